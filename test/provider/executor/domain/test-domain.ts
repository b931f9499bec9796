/**
 * The domain the lifecycle tests boot: the test guest (test/support/guest.ts) under TCG with
 * 2 vCPUs in 2 guest NUMA cells, one I/O thread serving a virtio disk, a virtio NIC, and the
 * serial console on a unix socket. Its argv is built by hand here (the argv pipeline is
 * another branch); LaunchSpec does not care how argv was made. The same domain as XML feeds
 * the real pin planner.
 */
import { execFileSync } from 'child_process';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseDomainXml, type Domain } from '../../../../model/domain';
import { consoleChardevArgs, domainRunPaths, type DomainRunPaths } from '../../../../provider/executor/domain';
import type { TestGuest } from '../../../support/guest';
import { QEMU_IMG, QEMU_X86_64 } from '../../../support/qemu';

export const MiB = 1024 * 1024;
export const CELL_MIB = 256;
export const DISK_BYTES = 64 * MiB;

export interface TestDomain {
  readonly name: string;
  readonly uuid: string;
  readonly mac: string;
  readonly domain: Domain;
  readonly paths: DomainRunPaths;
  readonly argv: string[];
}

export interface TestDomainOptions {
  readonly name: string;
  /** <cputune> body. */
  readonly cputune?: string;
  /** Boot the test guest (default) or nothing at all (SeaBIOS finds no boot device and waits: a guest that ignores ACPI). */
  readonly boot?: 'guest' | 'none';
  /** Keep QEMU after the guest powers off (as the argv builder does). Default true. */
  readonly noShutdown?: boolean;
  /** Extra QEMU arguments. */
  readonly extraArgs?: readonly string[];
}

/** Domain XML for the planner: 2 vCPUs, 2 cells, 1 I/O thread, the given cputune. */
export function testDomainXml(name: string, uuid: string, cputune = ''): string {
  return `<domain type='qemu'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='MiB'>${2 * CELL_MIB}</memory>
  <vcpu placement='static'>2</vcpu>
  <iothreads>1</iothreads>
  ${cputune ? `<cputune>${cputune}</cputune>` : ''}
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <cpu>
    <numa>
      <cell id='0' cpus='0' memory='${CELL_MIB}' unit='MiB'/>
      <cell id='1' cpus='1' memory='${CELL_MIB}' unit='MiB'/>
    </numa>
  </cpu>
</domain>
`;
}

export function makeTestDomain(runDir: string, workDir: string, guest: TestGuest | undefined, o: TestDomainOptions): TestDomain {
  const uuid = randomUUID();
  const mac = `52:54:00:7a:${uuid.slice(0, 2)}:${uuid.slice(2, 4)}`;
  const paths = domainRunPaths(runDir, o.name);
  const disk = path.join(workDir, `${o.name}.qcow2`);
  if (!fs.existsSync(disk)) execFileSync(QEMU_IMG, ['create', '-q', '-f', 'qcow2', disk, String(DISK_BYTES)]);
  const argv = [
    QEMU_X86_64,
    '-name', `guest=${o.name},debug-threads=on`,
    '-uuid', uuid,
    '-machine', 'pc',
    '-accel', 'tcg,thread=multi',
    '-cpu', 'qemu64',
    '-m', String(2 * CELL_MIB),
    '-smp', '2,sockets=2,cores=1,threads=1',
    '-object', `{"qom-type":"memory-backend-ram","id":"ram-node0","size":${CELL_MIB * MiB}}`,
    '-numa', 'node,nodeid=0,cpus=0,memdev=ram-node0',
    '-object', `{"qom-type":"memory-backend-ram","id":"ram-node1","size":${CELL_MIB * MiB}}`,
    '-numa', 'node,nodeid=1,cpus=1,memdev=ram-node1',
    '-object', '{"qom-type":"iothread","id":"iothread1"}',
    '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
    ...(o.noShutdown === false ? [] : ['-no-shutdown']),
    ...(o.boot === 'none' ? [] : ['-kernel', guest!.kernel, '-initrd', guest!.initrd, '-append', guest!.cmdline]),
    '-blockdev', JSON.stringify({ driver: 'file', filename: disk, 'node-name': 'disk0-file' }),
    '-blockdev', JSON.stringify({ driver: 'qcow2', file: 'disk0-file', 'node-name': 'disk0' }),
    '-device', 'virtio-blk-pci,drive=disk0,id=virtio-disk0,iothread=iothread1',
    '-netdev', 'user,id=hostnet0',
    '-device', `virtio-net-pci,netdev=hostnet0,id=net0,mac=${mac},romfile=`,
    ...consoleChardevArgs(paths.consoleSocket),
    ...(o.extraArgs ?? []),
  ];
  return { name: o.name, uuid, mac, domain: parseDomainXml(testDomainXml(o.name, uuid, o.cputune)), paths, argv };
}

/** Pids of processes whose command line carries `uuid` (read from /proc directly). */
export function pidsWithUuid(uuid: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2)[0] === 'Z') continue;
      if (fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0').includes(uuid)) out.push(Number(e));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Every thread of `pid` as the kernel shows it: tid → {comm, Cpus_allowed_list}. Read with fs, not virtform. */
export function procThreads(pid: number): Map<number, { comm: string; cpus: string }> {
  const out = new Map<number, { comm: string; cpus: string }>();
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
      const cpus = /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)![1];
      out.set(Number(t), { comm: fs.readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim(), cpus });
    } catch {
      /* a helper thread that exited */
    }
  }
  return out;
}
