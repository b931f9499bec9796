/**
 * The host libvirt's qemuxml2argvtest pretends to run on, as virtform's ArgvContext: the facts
 * the expected `.args` files were produced with. Learned from the corpus outputs (paths, fd
 * numbers) and from the test index (qemu.conf settings and environment per case).
 *
 * - per-domain private dir `/tmp/lib/domain--1-NAME` (domain id -1: the domain is not running);
 * - the monitor is fd 1729 (as are other fds libvirt would pass);
 * - host NUMA nodes 0-8 (libvirt's mock accepts any node up to 8 and reports bit 999 missing);
 * - hugetlbfs mounted at /dev/hugepages2M (2 MiB pages, the default size) and /dev/hugepages1G;
 * - PATH=/bin, USER=test, LOGNAME=test;
 * - qemu.conf: SPICE TLS with certificates in /etc/pki/libvirt-spice, plus the per-case
 *   `cfg.*` changes; the per-case `env.*` variables.
 */
import type { AccelCaps, MachineType, QemuCaps } from '../../provider/qemu/caps';
import type { ArgvContext, ArgvHost } from '../../provider/qemu/argv/context';
import type { ArgvSecrets } from '../../provider/qemu/argv/secret-object';
import type { ArgvStoragePools, StorageVolumeInfo } from '../../provider/qemu/argv/storage/pool-volume';
import { parsePoolXml } from '../../model/pool/pool';
import * as fs from 'fs';
import * as path from 'path';

/** Domain id of a defined-but-not-running domain; libvirt's test harness builds with it. */
export const TEST_DOMAIN_ID = -1;

/** The fd number libvirt's harness hands QEMU for the monitor and other passed sockets. */
export const TEST_PASSED_FD = 1729;

export const TEST_HOST: ArgvHost = {
  numaNodes: [0, 1, 2, 3, 4, 5, 6, 7, 8],
  hugetlbfs: [
    { path: '/dev/hugepages2M', pageSizeKiB: 2048, isDefault: true },
    { path: '/dev/hugepages1G', pageSizeKiB: 1048576, isDefault: false },
  ],
  systemPageSizeKiB: 4,
  // libvirt's harness mocks the NUMA node check with this message.
  unavailableNodeMessage: (node) => `Mock: no numa node set is available at bit ${node}`,
  // libvirt's harness mocks the host's first DRM render node lookup.
  drmRenderNode: '/dev/dri/foo',
  // ...and the vsock CID allocation.
  vsockCid: 42,
  // libvirt's harness mocks every SCSI generic lookup and the /dev/vhost-scsi fd.
  scsiGenericDevice: () => '/dev/sg0',
  vhostScsiFd: 3,
  isCdrom: (path) => path === '/dev/cdrom',
};

/**
 * libvirt's harness secrets: the mocked random bytes make the master key 0,1,...,31 and every
 * IV 0,1,...,15, and its fake secret driver returns the same value for every secret.
 */
export const TEST_SECRETS: ArgvSecrets = {
  masterKey: Uint8Array.from({ length: 32 }, (_, i) => i),
  iv: () => Uint8Array.from({ length: 16 }, (_, i) => i),
  lookup: () => new TextEncoder().encode('AQCVn5hO6HzFAhAAq0NCv8jtJcIcE+HOBlMQ1A'),
};

/**
 * The caps of a "latest" case as libvirt's harness sees them: each machine alias becomes a
 * machine of its own (`pc`, `q35`, with the aliased machine's properties), so machine names are
 * kept as written instead of being expanded.
 */
export function testCaps(caps: QemuCaps): QemuCaps {
  const split = (a: AccelCaps | undefined): AccelCaps | undefined => {
    if (!a) return a;
    const machines: MachineType[] = [];
    for (const { alias, ...m } of a.machines) {
      machines.push(m);
      if (alias !== undefined) machines.push({ ...m, name: alias });
    }
    return { ...a, machines };
  };
  const kvm = split(caps.accel.kvm);
  const tcg = split(caps.accel.tcg);
  return { ...caps, accel: { ...(kvm ? { kvm } : {}), ...(tcg ? { tcg } : {}) } };
}

/** Firmware descriptor folders of libvirt's harness (corpus-relative), most important first. */
export const TEST_FIRMWARE_DIRS: readonly string[] = [
  'tests/qemufirmwaredata/home/user/.config/qemu/firmware',
  'tests/qemufirmwaredata/etc/qemu/firmware',
  'tests/qemufirmwaredata/usr/share/qemu/firmware',
];

/** qemu.conf settings libvirt's harness starts every case with (before the per-case `cfg.*`). */
export const TEST_BASE_CONFIG: Readonly<Record<string, string | boolean | number>> = {
  spiceTLS: true,
  spiceTLSx509certdir: '/etc/pki/libvirt-spice',
  vncTLSx509certdir: '/etc/pki/libvirt-vnc',
  chardevTLSx509certdir: '/etc/pki/libvirt-chardev',
  // The harness runs an unprivileged driver whose XDG_RUNTIME_DIR is a poison value.
  passtStateDir: '/bad-test-used-env-xdg-runtime-dir/libvirt/qemu/run/passt',
  // The driver's lib dir: VNC sockets libvirt generated below it are dropped from definitions.
  libDir: '/tmp/lib',
  nbdTLSx509certdir: '/etc/pki/libvirt-nbd/dummy,path',
};

/** The qemu.conf changes and environment one test case runs with. */
export interface HarnessSettings {
  readonly config: Readonly<Record<string, string | boolean | number>>;
  readonly env: Readonly<Record<string, string>>;
}

function settingValue(v: string): string | boolean | number {
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^-?\d+$/.test(v)) return Number(v);
  return v;
}

/**
 * Parses the index's `state_changes_in_effect` cell: space-separated `cfg.NAME=VALUE` (qemu.conf
 * settings, libvirt's config field names) and `env.NAME=VALUE` (environment variables).
 */
export function parseStateChanges(cell: string): HarnessSettings {
  const config: Record<string, string | boolean | number> = { ...TEST_BASE_CONFIG };
  const env: Record<string, string> = {};
  for (const tok of cell.split(/\s+/).filter((t) => t !== '')) {
    const eq = tok.indexOf('=');
    if (eq < 0) continue;
    const key = tok.slice(0, eq);
    const value = tok.slice(eq + 1);
    if (key.startsWith('cfg.')) config[key.slice(4)] = settingValue(value);
    else if (key.startsWith('env.')) env[key.slice(4)] = value;
  }
  return { config, env };
}

/**
 * The per-domain private dir libvirt's harness uses: `/tmp/lib/domain--1-NAME`, with the name
 * cut to 20 characters (libvirt's short domain name).
 */
export function testDomainLibDir(name: string): string {
  return `/tmp/lib/domain-${TEST_DOMAIN_ID}-${[...name].slice(0, 20).join('')}`;
}

/**
 * The TPM versions the harness's mocked swtpm offers: both, or only the one the case's
 * TEST_TPM_ENV_VAR names (TPM_VER_1_2, TPM_VER_2_0).
 */
export function testSwtpmVersions(env: Readonly<Record<string, string>>): ('1.2' | '2.0')[] {
  switch (env.TEST_TPM_ENV_VAR) {
    case 'TPM_VER_1_2':
      return ['1.2'];
    case 'TPM_VER_2_0':
      return ['2.0'];
    default:
      return ['1.2', '2.0'];
  }
}

/** The ArgvContext for one test case of libvirt's qemuxml2argvtest. */
export function testArgvContext(caps: QemuCaps, domainName: string, settings: HarnessSettings): ArgvContext {
  const libDir = testDomainLibDir(domainName);
  return {
    caps,
    host: { ...TEST_HOST, swtpmVersions: testSwtpmVersions(settings.env) },
    paths: {
      domainLibDir: libDir,
      channelTargetDir: `/tmp/channel/domain-${TEST_DOMAIN_ID}-${[...domainName].slice(0, 20).join('')}`,
      hugepageSubdir: 'libvirt/qemu',
      memoryBackingDir: '/var/lib/libvirt/qemu/ram',
      nvramDir: '/var/lib/libvirt/qemu/nvram',
      runDir: libDir,
      // libvirt's harness mocks the swtpm socket path.
      swtpmSocket: '/dev/test',
    },
    monitor: { kind: 'fd', fd: TEST_PASSED_FD },
    launchEnv: { PATH: '/bin', USER: 'test', LOGNAME: 'test' },
    domainId: TEST_DOMAIN_ID,
    fdPassing: 'test-fds',
    hostEnv: settings.env,
    config: settings.config,
    secrets: TEST_SECRETS,
  };
}

/**
 * libvirt's harness storage driver: a pool NAME is the definition in the corpus file
 * `tests/storagepoolxml2xmlin/NAME.xml`; a volume `TYPE+NAME` is a TYPE volume (block when no
 * type is given) at `/some/TYPE/device/NAME`.
 */
export function testStoragePools(corpusRoot: string): ArgvStoragePools {
  return {
    pool(name) {
      const file = path.join(corpusRoot, 'tests/storagepoolxml2xmlin', `${name}.xml`);
      return fs.existsSync(file) ? parsePoolXml(fs.readFileSync(file, 'utf8'), file) : undefined;
    },
    volume(_poolName, _pool, volume) {
      const plus = volume.indexOf('+');
      const type = plus < 0 ? 'block' : volume.slice(0, plus);
      const name = plus < 0 ? volume : volume.slice(plus + 1);
      return { type: type as StorageVolumeInfo['type'], path: `/some/${type}/device/${name}` };
    },
  };
}
