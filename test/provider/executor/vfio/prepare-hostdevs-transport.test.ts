/**
 * The same detach/reattach through the production HostFs (TransportHostFs) over a real
 * transport, local and a real sshd on 127.0.0.1, against the fake tree placed on disk. The
 * kernel's side is the KernelWatcher: it notices what the shell wrote into the attribute files
 * and answers asynchronously, as a kernel that binds after the write returned. So this also
 * exercises the executor's polling for the bind.
 */
import * as fs from 'fs';
import { HostResourceError } from '../../../../planner/host-issue';
import { transportHostContext } from '../../../../provider/executor/host-context';
import { prepareHostdevs, releaseHostdevs } from '../../../../provider/executor/vfio/prepare-hostdevs';
import { LocalTransport } from '../../../../provider/host/local-transport';
import { SshTransport } from '../../../../provider/host/ssh-transport';
import type { Transport } from '../../../../provider/host/transport';
import { parseConnectionUri, type SshUri } from '../../../../provider/host/uri';
import { FakeSysfs, KernelWatcher } from '../../../support/fake-sysfs';
import { describeIf, itIf, missing } from '../../../support/skip';
import { startSshd, type TestSshd } from '../../../support/sshd';

function detachReattach(label: string, getTransport: () => Transport, opts: { timeoutCase: boolean }) {
  let f: FakeSysfs;
  let watcher: KernelWatcher;
  beforeEach(() => {
    f = FakeSysfs.create();
    watcher = new KernelWatcher(f.kernel).start();
  });
  afterEach(() => {
    watcher.stop();
    f.remove();
  });

  it(`GPU + audio to vfio-pci and back, ${label}`, async () => {
    const ctx = transportHostContext(getTransport(), { hostRoot: f.root });
    const demand = {
      pci: [
        { address: '0000:01:00.0', managed: true, path: '/domain/devices/hostdev[1]' },
        { address: '0000:01:00.1', managed: true, path: '/domain/devices/hostdev[2]' },
      ],
      mdevs: [],
    };
    const p = await prepareHostdevs(ctx, { domain: 'vm', demand, timeoutMs: 5000, pollMs: 20 });
    expect(p.vfio).toEqual([
      { address: '0000:01:00.0', originalDriver: 'nouveau', reboundByVirtform: true, group: 13, role: 'assigned' },
      { address: '0000:01:00.1', originalDriver: 'snd_hda_intel', reboundByVirtform: true, group: 13, role: 'assigned' },
    ]);
    expect([f.kernel.driverOf('0000:01:00.0'), f.kernel.driverOf('0000:01:00.1')]).toEqual(['vfio-pci', 'vfio-pci']);
    expect(fs.existsSync(`${f.root}/dev/vfio/13`)).toBe(true);
    await releaseHostdevs(ctx, p, { timeoutMs: 5000, pollMs: 20 });
    expect([f.kernel.driverOf('0000:01:00.0'), f.kernel.driverOf('0000:01:00.1')]).toEqual(['nouveau', 'snd_hda_intel']);
    expect(fs.existsSync(`${f.root}/dev/vfio/13`)).toBe(false);
    expect(watcher.errors).toEqual([]);
    // What the kernel saw, in order (paths canonical, as the kernel knows its attributes).
    const gpu = '/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0';
    expect(watcher.applied.filter((a) => a.includes('0000:01:00.0'))).toEqual([
      `${gpu}/driver_override "vfio-pci"`,
      '/sys/bus/pci/drivers/nouveau/unbind "0000:01:00.0"',
      '/sys/bus/pci/drivers_probe "0000:01:00.0"',
      `${gpu}/driver_override "\\n"`,
      '/sys/bus/pci/drivers/vfio-pci/unbind "0000:01:00.0"',
      '/sys/bus/pci/drivers_probe "0000:01:00.0"',
    ]);
  }, 30000);

  itIf(opts.timeoutCase ? null : 'runs locally only: each SSH exec costs ~0.2 s on this branch')(`a bind that never happens times out and the device goes back to its driver, ${label}`, async () => {
    f.failures.neverBind.add('0000:05:00.0');
    const ctx = transportHostContext(getTransport(), { hostRoot: f.root });
    const err = await prepareHostdevs(ctx, { domain: 'vm', demand: { pci: [{ address: '0000:05:00.0', managed: true, path: '/domain/devices/hostdev[1]' }], mdevs: [] }, timeoutMs: 1500, pollMs: 20 }).catch((e) => e);
    expect(err).toBeInstanceOf(HostResourceError);
    expect(err.issues[0].problem).toBe(`host ${getTransport().hostLabel}: 0000:05:00.0 did not bind to vfio-pci within 1500 ms`);
    expect(err.issues[0].detail).toBe('its driver is none, /dev/vfio/22 missing; it was given back to e1000e');
    expect(f.kernel.driverOf('0000:05:00.0')).toBe('e1000e');
    expect(f.kernel.override('0000:05:00.0')).toBeNull();
  }, 30000);
}

describe('VFIO detach/reattach through TransportHostFs over LocalTransport (kernel watcher)', () => {
  const local = new LocalTransport('qemu:///system');
  detachReattach('locally', () => local, { timeoutCase: true });
});

describeIf(missing({ binaries: ['/usr/sbin/sshd'] }))('VFIO detach/reattach through TransportHostFs over SshTransport to a real sshd (kernel watcher)', () => {
  let sshd: TestSshd;
  let t: SshTransport;
  beforeAll(async () => {
    // SHLVL=1: Debian's bash then skips the machine's ~/.bashrc in these sessions (slow shell init).
    sshd = await startSshd();
    t = await SshTransport.open(parseConnectionUri(sshd.uri()) as SshUri, { sshConfigFile: null, agentSocket: null });
  });
  afterAll(async () => {
    await t?.close();
    await sshd?.stop();
  });
  // One case over SSH: every HostFs call is an exec, and on this branch each SSH session runs the
  // machine's ~/.bashrc (the host branch's sshd.ts sets SHLVL=1 to skip it, together with an
  // SshTransport fix for fast commands' exit status), so a case costs ~15 s here.
  detachReattach('over SSH', () => t, { timeoutCase: false });
});
