/**
 * Probes the real /usr/bin/qemu-system-x86_64 and checks the result against what the same binary
 * prints for `--version`, `-machine help`, `-cpu help` and `-device help` (independent readings),
 * and against libvirt's caps for QEMU 7.2.0 when the corpus is present.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { probeQemuBinary } from '../../../../provider/qemu/caps/binary-probe';
import { UNDERIVED_FLAGS } from '../../../../provider/qemu/caps/flag-rules';
import { loadLibvirtCapsFile } from '../../../../provider/qemu/caps/libvirt-caps-xml';
import { defaultMachine, findMachine, QemuCaps } from '../../../../provider/qemu/caps/qemu-caps';
import type { ProbeEvidence } from '../../../../provider/qemu/caps/flag-rules';
import { missingCorpusReason, QEMU_CAPS_DIR } from '../../../support/corpus';
import { localProbeHost } from '../../../support/local-host';
import { describeUnless, missingBinaryReason, QEMU_X86_64 } from '../../../support/qemu';

const help = (arg: string): string[] => execFileSync(QEMU_X86_64, [arg, 'help'], { encoding: 'utf8' }).split('\n');

function kvmUsable(): boolean {
  try {
    fs.closeSync(fs.openSync('/dev/kvm', 'r+'));
    return true;
  } catch {
    return false;
  }
}

describeUnless(missingBinaryReason(QEMU_X86_64))('probing the real qemu-system-x86_64', () => {
  let caps: QemuCaps;
  let evidence: ProbeEvidence;
  let commands: string[][];
  let probeMs: number;

  beforeAll(async () => {
    const host = localProbeHost();
    const t0 = Date.now();
    ({ caps, evidence } = await probeQemuBinary(host, QEMU_X86_64));
    probeMs = Date.now() - t0;
    commands = host.commands;
  });

  it('reports the version and package that --version prints', () => {
    const line = execFileSync(QEMU_X86_64, ['--version'], { encoding: 'utf8' }).split('\n')[0];
    const m = /^QEMU emulator version (\d+)\.(\d+)\.(\d+)(?: \((.*)\))?$/.exec(line)!;
    expect(caps.versionString).toBe(`${m[1]}.${m[2]}.${m[3]}`);
    expect(caps.version).toBe(Number(m[1]) * 1_000_000 + Number(m[2]) * 1_000 + Number(m[3]));
    expect(caps.package).toBe(m[4] ?? '');
    expect(caps.arch).toBe('x86_64');
    expect(caps.emulator).toBe(QEMU_X86_64);
  });

  it('knows whether KVM works here (/dev/kvm opens read-write)', () => {
    expect(caps.kvmAvailable).toBe(kvmUsable());
    expect(caps.flags.has('kvm')).toBe(kvmUsable());
    expect(caps.flags.has('tcg')).toBe(true);
    expect(caps.accel.kvm !== undefined).toBe(kvmUsable());
  });

  it('lists the machines of -machine help, with the default and the aliases', () => {
    // Lines look like "pc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)".
    const lines = help('-machine').slice(1).filter((l) => l.trim() !== '');
    const aliases = lines.filter((l) => / \(alias of [^)]+\)/.test(l));
    const canonical = lines.filter((l) => !/ \(alias of [^)]+\)/.test(l)).map((l) => l.split(/\s+/)[0]).filter((n) => n !== 'none');
    for (const accel of ['tcg', ...(kvmUsable() ? ['kvm' as const] : [])] as const) {
      const machines = caps.accel[accel]!.machines;
      expect(machines.map((m) => m.name).sort()).toEqual([...canonical].sort());
      const dflt = lines.find((l) => / \(default\)$/.test(l))!.split(/\s+/)[0];
      expect(defaultMachine(caps, accel)?.name).toBe(dflt);
      for (const a of aliases) {
        const [, alias, target] = /^(\S+)\s.*\(alias of ([^)]+)\)/.exec(a)!;
        expect(findMachine(caps, accel, alias)?.name).toBe(target);
      }
      const deprecated = lines.filter((l) => /\(deprecated\)/.test(l)).map((l) => l.split(/\s+/)[0]).sort();
      expect(machines.filter((m) => m.deprecated).map((m) => m.name).sort()).toEqual(deprecated);
    }
  });

  it('lists the CPU models of -cpu help', () => {
    const names = help('-cpu').filter((l) => l.startsWith('x86 ')).map((l) => l.split(/\s+/)[1]);
    expect(caps.accel.tcg!.cpuModels.map((c) => c.name).sort()).toEqual([...names].sort());
    // TCG cannot run the host model; QEMU says it lacks "kvm".
    expect(caps.accel.tcg!.cpuModels.find((c) => c.name === 'host')).toMatchObject({ usable: 'no', unavailableFeatures: ['kvm'] });
    expect(caps.accel.tcg!.cpuModels.find((c) => c.name === 'qemu64')).toMatchObject({ usable: 'yes', aliasOf: 'qemu64-v1' });
  });

  it('has every device of -device help among its QOM types, with properties for the fixed device list', () => {
    const devices = help('-device').map((l) => /^name "([^"]+)"/.exec(l)?.[1]).filter((n): n is string => !!n);
    expect(devices.length).toBeGreaterThan(100);
    for (const d of devices) expect([d, caps.qomTypes.has(d)]).toEqual([d, true]);
    expect(Object.keys(caps.deviceProps)).toContain('virtio-blk-pci');
    expect(caps.deviceProps['virtio-net-pci'].find((p) => p.name === 'mac')).toEqual({ name: 'mac', type: 'str', description: 'Ethernet 6-byte MAC Address, example: 52:54:00:12:34:56' });
    expect(evidence.commandLineOptions.get('machine')?.has('type')).toBe(true);
  });

  it('cleans up: quits both probe QEMUs and removes its directory', () => {
    expect(commands[0]).toEqual(['mktemp', '-d', '/tmp/virtform-probe.XXXXXX']);
    const rm = commands[commands.length - 1];
    expect(rm.slice(0, 3)).toEqual(['rm', '-rf', '--']);
    expect(fs.existsSync(rm[3])).toBe(false);
    const leftovers = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(rm[3]);
      } catch {
        return false;
      }
    });
    expect(leftovers).toEqual([]);
    // Two QEMUs when KVM works (KVM view, then TCG view), one otherwise.
    expect(commands.filter((c) => c[0] === QEMU_X86_64)).toHaveLength(kvmUsable() ? 2 : 1);
    console.log(`QEMU capability probe of ${QEMU_X86_64}: ${probeMs} ms`);
  });

  const noCorpus = missingCorpusReason();
  (noCorpus ? it.skip : it)(`derives the flags libvirt 9.0 recorded for QEMU 7.2.0, except the underived ones${noCorpus ? ` (skipped: ${noCorpus})` : ''}`, async () => {
    const libvirt = await loadLibvirtCapsFile(path.join(QEMU_CAPS_DIR, 'caps_7.2.0.x86_64.xml'));
    if (caps.version < 7002000 || caps.version >= 7003000) {
      console.log(`not compared: ${QEMU_X86_64} is QEMU ${caps.versionString}, the corpus caps are for 7.2.0`);
      return;
    }
    expect([...caps.flags].sort()).toEqual([...libvirt.flags].filter((f) => !UNDERIVED_FLAGS.includes(f)).sort());
  });
});
