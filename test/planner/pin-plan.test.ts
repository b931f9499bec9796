/**
 * The pin planner: libvirt's precedence (vcpupin > vcpu cpuset > host), unpinned threads get an
 * explicit set, numatune → cpuset.mems, and every impossible pin rejected with host, domain,
 * thread, cpuset, the host's online CPUs and the fix.
 */
import { parseDomainXml } from '../../model/domain';
import { checkPinPlanOnline, planPins, PinPlanError, type PinHostFacts } from '../../planner/pin-plan';

const host = (online: number[], isolated: number[] = [], nodes = [0]): PinHostFacts => ({
  cpus: { online, isolated },
  numa: { nodes: nodes.map((id) => ({ id })) },
});

const dom = (body: string, vcpus = 2) =>
  parseDomainXml(`<domain type='qemu'><name>db</name><memory unit='MiB'>512</memory><vcpu placement='static'>${vcpus}</vcpu>${body}<os><type arch='x86_64'>hvm</type></os></domain>`);

describe('planPins', () => {
  it('pins each vCPU, the emulator and an I/O thread as written, and records where each set came from', () => {
    const d = dom(
      `<iothreads>1</iothreads><cputune><vcpupin vcpu='0' cpuset='0'/><vcpupin vcpu='1' cpuset='1'/><emulatorpin cpuset='1'/><iothreadpin iothread='1' cpuset='0'/></cputune>`,
    );
    expect(planPins(d, host([0, 1]), 'h1')).toEqual({
      domain: 'db',
      vcpus: [
        { index: 0, cpus: [0], source: 'vcpupin' },
        { index: 1, cpus: [1], source: 'vcpupin' },
      ],
      emulator: { cpus: [1], source: 'emulatorpin' },
      iothreads: [{ id: 1, cpus: [0], source: 'iothreadpin' }],
      mems: null,
    });
  });

  it('gives unpinned threads the <vcpu cpuset>, else every online CPU that is not isolated', () => {
    const withCpuset = parseDomainXml(
      `<domain type='qemu'><name>db</name><memory unit='MiB'>512</memory><vcpu placement='static' cpuset='2-3'>3</vcpu><iothreads>2</iothreads>` +
        `<cputune><vcpupin vcpu='1' cpuset='5'/></cputune><os><type arch='x86_64'>hvm</type></os></domain>`,
    );
    expect(planPins(withCpuset, host([0, 1, 2, 3, 4, 5]), 'h1')).toEqual({
      domain: 'db',
      vcpus: [
        { index: 0, cpus: [2, 3], source: 'vcpu-cpuset' },
        { index: 1, cpus: [5], source: 'vcpupin' },
        { index: 2, cpus: [2, 3], source: 'vcpu-cpuset' },
      ],
      emulator: { cpus: [2, 3], source: 'vcpu-cpuset' },
      iothreads: [
        { id: 1, cpus: [2, 3], source: 'vcpu-cpuset' },
        { id: 2, cpus: [2, 3], source: 'vcpu-cpuset' },
      ],
      mems: null,
    });
    const bare = dom('', 1);
    expect(planPins(bare, host([0, 1, 2, 3], [2, 3]), 'h1')).toEqual({
      domain: 'db',
      vcpus: [{ index: 0, cpus: [0, 1], source: 'host' }],
      emulator: { cpus: [0, 1], source: 'host' },
      iothreads: [],
      mems: null,
    });
    // Only isolated CPUs online: they are all there is.
    expect(planPins(bare, host([2, 3], [2, 3]), 'h1').emulator).toEqual({ cpus: [2, 3], source: 'host' });
  });

  it('names I/O threads from <iothreadids> when given', () => {
    const d = dom(`<iothreads>2</iothreads><iothreadids><iothread id='4'/><iothread id='7'/></iothreadids><cputune><iothreadpin iothread='7' cpuset='1'/></cputune>`);
    expect(planPins(d, host([0, 1]), 'h1').iothreads).toEqual([
      { id: 4, cpus: [0, 1], source: 'host' },
      { id: 7, cpus: [1], source: 'iothreadpin' },
    ]);
  });

  it('restricts memory nodes for strict and restrictive numatune, not for preferred or interleave', () => {
    const nt = (mode: string) => dom(`<numatune><memory mode='${mode}' nodeset='1'/></numatune>`);
    expect(planPins(nt('strict'), host([0, 1], [], [0, 1]), 'h1').mems).toEqual([1]);
    expect(planPins(nt('restrictive'), host([0, 1], [], [0, 1]), 'h1').mems).toEqual([1]);
    expect(planPins(nt('preferred'), host([0, 1], [], [0, 1]), 'h1').mems).toBeNull();
    expect(planPins(nt('interleave'), host([0, 1], [], [0, 1]), 'h1').mems).toBeNull();
  });

  it('rejects a vCPU pin to a CPU the host does not have online, naming host, domain, vcpu, cpuset, online CPUs and the fix', () => {
    const d = dom(`<cputune><vcpupin vcpu='1' cpuset='7'/></cputune>`);
    expect(() => planPins(d, host([0, 1]), 'root@h1:22')).toThrow(
      new PinPlanError('root@h1:22', 'db', [
        {
          path: "/domain/cputune/vcpupin[@vcpu='1']/@cpuset",
          problem: "vcpu 1 is pinned to cpuset '7', but host root@h1:22 has no online CPU 7 (it lacks that CPU or it is offline; online CPUs: 0-1)",
          fix: 'pin vcpu 1 to CPUs within 0-1, or bring CPU 7 online on the host',
        },
      ]),
    );
    let err: PinPlanError | undefined;
    try {
      planPins(d, host([0, 1]), 'root@h1:22');
    } catch (e) {
      err = e as PinPlanError;
    }
    expect(err!.message).toBe(
      "host root@h1:22: domain 'db': /domain/cputune/vcpupin[@vcpu='1']/@cpuset: vcpu 1 is pinned to cpuset '7', but host root@h1:22 has no online CPU 7 " +
        '(it lacks that CPU or it is offline; online CPUs: 0-1) (fix: pin vcpu 1 to CPUs within 0-1, or bring CPU 7 online on the host)',
    );
  });

  it('lists every problem at once: missing vCPU, offline CPUs, unknown I/O thread, missing host node, auto placement', () => {
    const d = parseDomainXml(
      `<domain type='qemu'><name>db</name><memory unit='MiB'>512</memory><vcpu placement='auto'>2</vcpu><iothreads>1</iothreads>` +
        `<cputune><vcpupin vcpu='2' cpuset='0'/><emulatorpin cpuset='3-4'/><iothreadpin iothread='2' cpuset='0'/></cputune>` +
        `<numatune><memory mode='strict' nodeset='0-2'/></numatune><os><type arch='x86_64'>hvm</type></os></domain>`,
    );
    let err: PinPlanError | undefined;
    try {
      planPins(d, host([0, 1, 3], [], [0, 1]), 'h1');
    } catch (e) {
      err = e as PinPlanError;
    }
    expect(err!.issues.map((i) => [i.path, i.problem])).toEqual([
      ['/domain/vcpu/@placement', "placement 'auto' asks numad for a CPU set, and virtform does not run numad"],
      ["/domain/cputune/vcpupin[@vcpu='2']/@vcpu", 'vcpu 2 does not exist: the domain has 2 vCPUs (indexes 0-1)'],
      ['/domain/cputune/emulatorpin/@cpuset', "the emulator is pinned to cpuset '3-4', but host h1 has no online CPU 4 (it lacks that CPU or it is offline; online CPUs: 0-1,3)"],
      ["/domain/cputune/iothreadpin[@iothread='2']/@iothread", 'I/O thread 2 does not exist (the domain\'s I/O threads: 1)'],
      ['/domain/numatune/memory/@nodeset', "nodeset '0-2' names host NUMA node 2, which host h1 does not have (its nodes: 0-1)"],
    ]);
    expect(err!.message.startsWith("host h1: domain 'db': 5 pinning problems:\n  /domain/vcpu/@placement: ")).toBe(true);
  });
});

describe('checkPinPlanOnline', () => {
  it('finds planned CPUs that went offline since planning, pointing at where the set came from', () => {
    const d = dom(`<iothreads>1</iothreads><cputune><vcpupin vcpu='0' cpuset='1'/></cputune>`);
    const plan = planPins(d, host([0, 1]), 'h1');
    expect(checkPinPlanOnline(plan, [0, 1], 'h1')).toEqual([]);
    expect(checkPinPlanOnline(plan, [0], 'h1')).toEqual([
      {
        path: "/domain/cputune/vcpupin[@vcpu='0']/@cpuset",
        problem: 'vcpu 0 is planned on CPUs 1, but host h1 has no online CPU 1 now (online CPUs: 0)',
        fix: 'bring CPU 1 online, or re-plan so vcpu 0 uses CPUs within 0',
      },
      {
        path: '/sys/devices/system/cpu/online',
        problem: 'vcpu 1 is planned on CPUs 0-1, but host h1 has no online CPU 1 now (online CPUs: 0)',
        fix: 'bring CPU 1 online, or re-plan so vcpu 1 uses CPUs within 0',
      },
      {
        path: '/sys/devices/system/cpu/online',
        problem: 'the emulator is planned on CPUs 0-1, but host h1 has no online CPU 1 now (online CPUs: 0)',
        fix: 'bring CPU 1 online, or re-plan so the emulator uses CPUs within 0',
      },
      {
        path: '/sys/devices/system/cpu/online',
        problem: 'I/O thread 1 is planned on CPUs 0-1, but host h1 has no online CPU 1 now (online CPUs: 0)',
        fix: 'bring CPU 1 online, or re-plan so I/O thread 1 uses CPUs within 0',
      },
    ]);
  });
});
