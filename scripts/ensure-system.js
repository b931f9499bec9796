#!/usr/bin/env node
'use strict';
// Makes a fresh clone runnable: npm dependencies, then the Debian packages virtform drives.
// Only node builtins here: this runs before `npm install` may have happened.
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const purpose = process.argv.includes('--for') ? process.argv[process.argv.indexOf('--for') + 1] : 'demo';

/** Debian packages and why each is needed. */
const PACKAGES = {
  'qemu-system-x86': 'runs the domains',
  'qemu-utils': 'qemu-img for volumes',
  'openssh-server': 'the SSH transport tests start a real sshd on 127.0.0.1',
  ovmf: 'UEFI firmware autoselection',
  'dnsmasq-base': 'DHCP/DNS for NAT and isolated networks',
  'busybox-static': 'the test guest userland',
  cpio: 'packs the test guest initramfs',
  iproute2: 'bridges and tap devices for networks',
  nftables: 'NAT rules for networks',
  socat: 'connectUnix relay when a host sshd refuses unix socket forwarding (tests cover it)',
  genisoimage: 'isoinfo reads the cloud-init seed images in tests (never used at run time)',
  'libarchive-tools': 'bsdtar reads the cloud-init seed images in tests (never used at run time)',
};

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && /install ok installed/.test(r.stdout);
}

function ensureNpm() {
  if (fs.existsSync(path.join(root, 'node_modules', '.package-lock.json'))) return;
  process.stderr.write('virtform: installing npm dependencies (npm install)\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

function ensureDebian() {
  if (!fs.existsSync('/usr/bin/dpkg-query')) {
    process.stderr.write('virtform: not a Debian system; install QEMU 7.2+, qemu-img, OpenSSH server, OVMF, dnsmasq, busybox and cpio yourself.\n');
    return;
  }
  const missing = Object.keys(PACKAGES).filter((p) => !installed(p));
  if (missing.length === 0) return;
  const cmd = ['apt-get', 'install', '-y', '--no-install-recommends', ...missing];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !fs.existsSync('/usr/bin/apt-get')) {
    process.stderr.write(
      `virtform: missing Debian packages: ${missing.map((p) => `${p} (${PACKAGES[p]})`).join(', ')}\n` +
        `Install them as root with:\n  apt-get update && ${cmd.join(' ')}\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`virtform: installing ${missing.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit', env });
  }
  if (r.status !== 0) {
    process.stderr.write(`virtform: package installation failed; run as root:\n  apt-get update && ${cmd.join(' ')}\n`);
    process.exit(1);
  }
}

ensureNpm();
ensureDebian();
void purpose;
