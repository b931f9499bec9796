/**
 * HostCommands for a fake host tree: mkdir/rmdir act under the tree's root, and mounting
 * hugetlbfs adds the mount to the tree's /proc/mounts (unmount removes it), so code reading
 * /proc/mounts through HostFs sees it. Every call is logged in `calls`.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { HostCommands } from '../../provider/executor/host-context';

export class FakeHostCommands implements HostCommands {
  readonly calls: string[] = [];
  /** Makes the next mountHugetlbfs fail with this message. */
  failMount: string | null = null;
  /** What loading a module does to the fake host (e.g. create /sys/bus/pci/drivers/vfio-pci); absent: modprobe fails. */
  readonly modules = new Map<string, () => void>();

  constructor(readonly root: string) {}

  private real(p: string): string {
    return path.join(this.root, p);
  }

  async mkdir(p: string, mode: number): Promise<void> {
    this.calls.push(`mkdir -p -m ${mode.toString(8).padStart(4, '0')} ${p}`);
    fs.mkdirSync(this.real(p), { recursive: true });
    fs.chmodSync(this.real(p), mode);
  }

  async rmdir(p: string): Promise<boolean> {
    this.calls.push(`rmdir ${p}`);
    if (!fs.existsSync(this.real(p))) return false;
    fs.rmdirSync(this.real(p));
    return true;
  }

  async mountHugetlbfs(p: string, pageSizeKiB: number): Promise<void> {
    this.calls.push(`mount -t hugetlbfs -o pagesize=${pageSizeKiB}k hugetlbfs ${p}`);
    if (this.failMount) throw new Error(this.failMount);
    const size = pageSizeKiB % 1048576 === 0 ? `${pageSizeKiB / 1048576}G` : `${pageSizeKiB / 1024}M`;
    fs.appendFileSync(this.real('/proc/mounts'), `hugetlbfs ${p} hugetlbfs rw,relatime,pagesize=${size} 0 0\n`);
  }

  async umount(p: string): Promise<void> {
    this.calls.push(`umount ${p}`);
    const lines = fs.readFileSync(this.real('/proc/mounts'), 'utf8').split('\n');
    fs.writeFileSync(this.real('/proc/mounts'), lines.filter((l) => l.split(' ')[1] !== p).join('\n'));
  }

  async modprobe(module: string): Promise<void> {
    this.calls.push(`modprobe ${module}`);
    const load = this.modules.get(module);
    if (!load) throw new Error(`fakehost: modprobe ${module} failed: modprobe: FATAL: Module ${module} not found in directory /lib/modules/6.1.0-fake-amd64`);
    load();
  }
}
