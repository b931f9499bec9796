import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseDomainXml } from '../../../../model/domain/domain';
import { memlockLaunchPrefix, parseMemlock, raiseMemlock, readMemlock, vfioMemlockLimit } from '../../../../provider/executor/vfio/memlock';
import { TransportHostFs } from '../../../../provider/host/host-fs';
import { LocalTransport } from '../../../../provider/host/local-transport';
import { missingBinaryReason, QEMU_X86_64, waitForExit } from '../../../support/qemu';
import { isRoot, itIf, missing } from '../../../support/skip';

const GiB = 1024 * 1024 * 1024;
const dom = (extra: string, devices = '') =>
  parseDomainXml(`<domain type='kvm'><name>m</name><memory unit='GiB'>4</memory>${extra}<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>${devices}</devices></domain>`);

describe('vfioMemlockLimit (libvirt rule)', () => {
  it('guest memory plus 1 GiB; times the device count with a vIOMMU; hard_limit wins; locked means unlimited; no device, no limit', () => {
    expect(vfioMemlockLimit(dom(''), 2)).toBe(5 * GiB);
    expect(vfioMemlockLimit(dom('', "<iommu model='intel'/>"), 2)).toBe(9 * GiB);
    expect(vfioMemlockLimit(dom("<maxMemory slots='4' unit='GiB'>8</maxMemory>"), 1)).toBe(9 * GiB);
    expect(vfioMemlockLimit(dom("<memtune><hard_limit unit='GiB'>6</hard_limit></memtune>"), 1)).toBe(6 * GiB);
    expect(vfioMemlockLimit(dom('<memoryBacking><locked/></memoryBacking>'), 1)).toBe('unlimited');
    expect(vfioMemlockLimit(dom(''), 0)).toBe(0);
  });

  it('builds the prlimit launch prefix and parses /proc/PID/limits', () => {
    expect(memlockLaunchPrefix(5 * GiB)).toEqual(['prlimit', '--memlock=5368709120:5368709120', '--']);
    expect(memlockLaunchPrefix('unlimited')).toEqual(['prlimit', '--memlock=unlimited:unlimited', '--']);
    expect(parseMemlock('Limit                     Soft Limit           Hard Limit           Units     \nMax locked memory         8388608              unlimited            bytes     \n')).toEqual({ soft: 8388608, hard: 'unlimited' });
  });
});

/** CAP_SYS_RESOURCE (bit 24) in this process's effective set: needed to raise a hard limit. */
const capSysResource = (BigInt('0x' + (/\nCapEff:\s*([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0')) >> 24n) & 1n ? true : false;
const ownHard = parseMemlock(fs.readFileSync('/proc/self/limits', 'utf8'))!.hard;
/**
 * The limits to set: with CAP_SYS_RESOURCE, above anything the process has (what VFIO needs);
 * without it (this CI container drops the capability), only lowering is allowed, which still
 * shows the limit is applied by prlimit before QEMU runs.
 */
const TARGET = capSysResource ? 5 * GiB : ownHard === 'unlimited' ? 64 * 1024 * 1024 : Math.floor(ownHard / 2);
const TARGET2: number | 'unlimited' = capSysResource ? 'unlimited' : Math.floor(Number(TARGET) / 2);

describe(`memlock on real processes (${capSysResource ? 'raising' : 'no CAP_SYS_RESOURCE here: lowering'} the limit)`, () => {
  const local = new LocalTransport('qemu:///system');
  const hfs = new TransportHostFs(local);
  const rootReason = isRoot ? missing({ binaries: ['prlimit'] }) : 'needs root';

  itIf(rootReason)('prlimit --pid sets a running process’s limit, read back from /proc', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await raiseMemlock(local, hfs, child.pid!, TARGET);
      expect(await readMemlock(hfs, child.pid!)).toEqual({ soft: TARGET, hard: TARGET });
      await raiseMemlock(local, hfs, child.pid!, TARGET2);
      expect(await readMemlock(hfs, child.pid!)).toEqual({ soft: TARGET2, hard: TARGET2 });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('raiseMemlock names the pid and the fix when prlimit fails', async () => {
    const err = await raiseMemlock(local, hfs, 999999999, GiB).catch((e) => e);
    expect(err.message).toMatch(/^localhost: raising the locked-memory limit of pid 999999999 to 1073741824 bytes failed: prlimit: .*\. VFIO pins all guest memory; run virtform as root \(CAP_SYS_RESOURCE\) and install util-linux \(prlimit\)\.$/);
  });

  itIf(rootReason ?? missingBinaryReason(QEMU_X86_64) ?? null)('the launch prefix gives a daemonized QEMU the limit before it starts (its cmdline stays QEMU’s)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-memlock-'));
    const pidFile = path.join(dir, 'pid');
    const [cmd, ...pre] = memlockLaunchPrefix(TARGET);
    execFileSync(cmd, [...pre, QEMU_X86_64, '-machine', 'none', '-nodefaults', '-display', 'none', '-S', '-pidfile', pidFile, '-daemonize']);
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    try {
      expect(await readMemlock(hfs, pid)).toEqual({ soft: TARGET, hard: TARGET });
      expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]).toBe(QEMU_X86_64);
    } finally {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5000);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
