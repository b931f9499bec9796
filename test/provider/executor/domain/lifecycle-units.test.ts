/**
 * The pure parts of the domain lifecycle: completing the caller's argv, run paths, /proc/PID/stat
 * parsing and the PID-reuse test, QMP run states, status.json reading and the status table
 * (finding the cpuset controller: cgroup-layout.test.ts).
 */
import { formatStatusTable } from '../../../../cli/commands/status';
import type { PinPlan } from '../../../../planner/pin-plan';
import {
  consoleChardevArgs,
  DETACH_SCRIPT,
  describeExitStatus,
  detachedLaunchCommand,
  domainRunPaths,
  formatStatusRecord,
  identityMismatch,
  launchArgv,
  parseDetachOutcome,
  parseProcStat,
  parseStatusRecord,
  releaseResources,
  splitQemuOptions,
  stateOfRunState,
  threadAssignments,
  type DomainStatusRecord,
  type LaunchSpec,
} from '../../../../provider/executor/domain';
import type { Transport } from '../../../../provider/host/transport';

const UUID = 'c7a5fdbd-edaf-9455-926a-d65c16db1809';
const paths = domainRunPaths('/run/virtform', 'db');
const pins: PinPlan = {
  domain: 'db',
  vcpus: [
    { index: 0, cpus: [0], source: 'vcpupin' },
    { index: 1, cpus: [1], source: 'vcpupin' },
  ],
  emulator: { cpus: [0, 1], source: 'host' },
  iothreads: [{ id: 1, cpus: [1], source: 'iothreadpin' }],
  mems: null,
};
const spec = (argv: string[], extra: Partial<LaunchSpec> = {}): LaunchSpec => ({ name: 'db', uuid: UUID, argv, pins, ...extra });

describe('launchArgv', () => {
  it('adds -uuid, -name, -S, the QMP monitor and -pidfile to a bare argv (never -daemonize)', () => {
    expect(launchArgv(spec(['/usr/bin/qemu-system-x86_64', '-m', '512']), paths)).toEqual([
      '/usr/bin/qemu-system-x86_64', '-m', '512',
      '-uuid', UUID,
      '-name', 'guest=db,debug-threads=on',
      '-S',
      '-chardev', 'socket,id=charmonitor,path=/run/virtform/db/qmp.sock,server=on,wait=off',
      '-mon', 'chardev=charmonitor,id=monitor,mode=control',
      '-pidfile', '/run/virtform/db/pid',
    ]);
  });

  it("keeps what the argv builder already emits (its -name, -S, -uuid and monitor on the run dir's socket)", () => {
    const built = [
      '/usr/bin/qemu-system-x86_64',
      '-name', 'guest=a,,b,debug-threads=on',
      '-S',
      '-uuid', UUID.toUpperCase(),
      '-chardev', 'socket,id=charmonitor,path=/run/virtform/db/qmp.sock,server=on,wait=off',
      '-mon', 'chardev=charmonitor,id=monitor,mode=control',
      '-no-shutdown',
    ];
    expect(launchArgv(spec(built), paths)).toEqual([...built, '-pidfile', '/run/virtform/db/pid']);
  });

  it('escapes commas in the guest name and accepts a console chardev on the consoleSocket', () => {
    const argv = ['qemu', ...consoleChardevArgs('/run/virtform/db/console.sock')];
    expect(argv).toEqual(['qemu', '-chardev', 'socket,id=charserial0,path=/run/virtform/db/console.sock,server=on,wait=off', '-serial', 'chardev:charserial0']);
    const out = launchArgv({ ...spec(argv), name: 'a,b', consoleSocket: '/run/virtform/db/console.sock' }, paths);
    expect(out.slice(out.indexOf('-name'), out.indexOf('-name') + 2)).toEqual(['-name', 'guest=a,,b,debug-threads=on']);
  });

  it.each([
    [
      ['qemu', '-daemonize'],
      'argv has -daemonize; remove it: the launcher detaches QEMU itself (QEMU would fork after installing its seccomp sandbox, which -sandbox spawn=deny punishes with SIGSYS)',
    ],
    [['qemu', '-pidfile', '/x'], 'argv has -pidfile, which the launcher sets itself (/run/virtform/db/pid); remove it'],
    [['qemu', '-uuid', '00000000-0000-0000-0000-000000000001'], `argv has -uuid 00000000-0000-0000-0000-000000000001, but the domain's UUID is ${UUID}; they must agree (the UUID identifies the QEMU process later)`],
    [
      ['qemu', '-qmp', 'unix:/tmp/other.sock,server=on,wait=off'],
      'argv puts a QMP monitor on /tmp/other.sock; the launcher and later commands use /run/virtform/db/qmp.sock. Build the argv with the monitor socket /run/virtform/db/qmp.sock (ArgvContext.monitor)',
    ],
    [
      ['qemu', '-chardev', 'socket,id=m,fd=3,server=on,wait=off', '-mon', 'chardev=m,mode=control'],
      'argv puts a QMP monitor on (chardev m, not a unix socket path); the launcher and later commands use /run/virtform/db/qmp.sock. Build the argv with the monitor socket /run/virtform/db/qmp.sock (ArgvContext.monitor)',
    ],
  ])('refuses %j', (argv, message) => {
    expect(() => launchArgv(spec(argv as string[]), paths)).toThrow(message);
  });

  it('refuses a consoleSocket that no server chardev in argv listens on', () => {
    expect(() => launchArgv(spec(['qemu'], { consoleSocket: '/run/virtform/db/console.sock' }), paths)).toThrow(
      'consoleSocket is /run/virtform/db/console.sock, but argv has no socket chardev in server mode on that path; give the serial -chardev socket,id=charserial0,path=/run/virtform/db/console.sock,server=on,wait=off (consoleChardevArgs)',
    );
  });

  it('starts QEMU through the detach script: log, go file, polls, the memlock prefix, then the argv as separate elements', () => {
    expect(detachedLaunchCommand(['/usr/bin/qemu-system-x86_64', '-name', 'guest=a b'], paths, { timeoutMs: 1000 })).toEqual([
      'sh', '-c', DETACH_SCRIPT, 'sh', '/run/virtform/db/qemu.log', '/run/virtform/db/.detach', '/run/virtform/db/qmp.sock', '20', '/usr/bin/qemu-system-x86_64', '-name', 'guest=a b',
    ]);
    expect(detachedLaunchCommand(['qemu'], paths, { timeoutMs: 120000, rlimits: { memlockBytes: 2147483648 } }).slice(4)).toEqual([
      '/run/virtform/db/qemu.log', '/run/virtform/db/.detach', '/run/virtform/db/qmp.sock', '2400', 'prlimit', '--memlock=2147483648:2147483648', '--', 'qemu',
    ]);
    expect(detachedLaunchCommand(['qemu'], paths, { timeoutMs: 10, rlimits: { memlockBytes: 'unlimited' } }).slice(7)).toEqual(['1', 'prlimit', '--memlock=unlimited:unlimited', '--', 'qemu']);
  });

  it('gives QEMU exactly the spec environment through env -i (after prlimit), and refuses names env(1) would misread', () => {
    expect(detachedLaunchCommand(['/usr/bin/qemu', '-m', '64'], paths, { timeoutMs: 50, rlimits: { memlockBytes: 4096 }, env: { LC_ALL: 'C', HOME: '/run/x y' } }).slice(8)).toEqual([
      'prlimit', '--memlock=4096:4096', '--', 'env', '-i', '--', 'LC_ALL=C', 'HOME=/run/x y', '/usr/bin/qemu', '-m', '64',
    ]);
    expect(detachedLaunchCommand(['/usr/bin/qemu'], paths, { timeoutMs: 50, env: {} }).slice(8)).toEqual(['env', '-i', '--', '/usr/bin/qemu']);
    expect(() => detachedLaunchCommand(['/usr/bin/qemu'], paths, { timeoutMs: 50, env: { 'A=B': 'c' } })).toThrow(
      'environment variable name "A=B" is not a shell name (letters, digits and _, not starting with a digit); rename it',
    );
    expect(() => detachedLaunchCommand(['/opt/a=b/qemu'], paths, { timeoutMs: 50, env: {} })).toThrow(
      `the QEMU binary path "/opt/a=b/qemu" contains '=', which env(1) would read as a variable; use a path without '='`,
    );
  });

  it('reads what the detach script printed, and names exit statuses and signals', () => {
    expect(parseDetachOutcome('listening\ndetached 4242\n')).toEqual({ kind: 'detached', pid: 4242 });
    expect(parseDetachOutcome('listening\n')).toBeUndefined();
    expect(parseDetachOutcome('exited 159\n')).toEqual({ kind: 'exited', status: 159 });
    expect(parseDetachOutcome('timeout 77')).toEqual({ kind: 'timeout', pid: 77 });
    expect(parseDetachOutcome('sh: 1: setsid: not found')).toBeUndefined();
    expect([describeExitStatus(1), describeExitStatus(159), describeExitStatus(137), describeExitStatus(190)]).toEqual([
      'status 1', 'signal 31 (SIGSYS)', 'signal 9 (SIGKILL)', 'signal 62',
    ]);
  });

  it('splits QEMU options with ,, as a literal comma', () => {
    expect(splitQemuOptions('socket,id=a,path=/x,,y,server=on')).toEqual(['socket', 'id=a', 'path=/x,y', 'server=on']);
  });
});

describe('domainRunPaths', () => {
  it('lays out <runDir>/NAME', () => {
    expect(domainRunPaths('/srv/vf/run', 'web 1')).toEqual({
      dir: '/srv/vf/run/web 1',
      qmpSocket: '/srv/vf/run/web 1/qmp.sock',
      consoleSocket: '/srv/vf/run/web 1/console.sock',
      pidFile: '/srv/vf/run/web 1/pid',
      statusFile: '/srv/vf/run/web 1/status.json',
      logFile: '/srv/vf/run/web 1/qemu.log',
    });
  });
  it.each([
    ['a/b', `domain name "a/b" cannot name a run directory: the name contains '/', which libvirt does not allow in domain names; rename the domain`],
    ['..', `domain name ".." cannot name a run directory: '..' is not a usable directory name; rename the domain`],
  ])('refuses the name %j', (name, msg) => expect(() => domainRunPaths('/run/virtform', name)).toThrow(msg));
  it('refuses socket paths longer than a unix socket address holds', () => {
    const long = 'x'.repeat(90);
    expect(() => domainRunPaths(`/run/${long}`, 'db')).toThrow(
      `the domain's socket path /run/${long}/db/console.sock is 111 bytes, more than the 107 a unix socket address holds; use a shorter state root (root=DIR in the URI) or a shorter domain name`,
    );
  });
});

describe('/proc parsing and the PID-reuse guard', () => {
  const stat = '4242 (qemu-system-x86) S 1 4241 4241 0 -1 4194624 1 0 0 0 5 3 0 0 20 0 9 0 555838 1 2 3';
  it('reads state and start time after a command name with spaces and parentheses', () => {
    expect(parseProcStat(stat)).toEqual({ state: 'S', startTime: 555838 });
    expect(parseProcStat('7 (a) b) c) Z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 99 0')).toEqual({ state: 'Z', startTime: 99 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });
  it('adopts only a process with -uuid UUID and the recorded start time', () => {
    const qemu = { pid: 4242, state: 'S', startTime: 555838, cmdline: ['/usr/bin/qemu-system-x86_64', '-uuid', UUID, '-S'] };
    expect(identityMismatch(qemu, UUID.toUpperCase(), 555838)).toBeUndefined();
    expect(identityMismatch(qemu, UUID, null)).toBeUndefined();
    expect(identityMismatch(qemu, UUID, 1)).toBe('pid 4242 carries the UUID but started at tick 555838, not 1: it is another process');
    expect(identityMismatch({ ...qemu, cmdline: ['sleep', '300'] }, UUID, 555838)).toBe(
      `pid 4242 is now another process ('sleep 300'), whose command line does not carry -uuid ${UUID}`,
    );
    // The UUID elsewhere on the command line (another domain's -name, say) does not count.
    expect(identityMismatch({ ...qemu, cmdline: ['qemu', '-name', UUID] }, UUID, null)).toMatch(/does not carry -uuid/);
  });
});

describe('stateOfRunState', () => {
  it.each([
    ['running', 'running'],
    ['prelaunch', 'paused'],
    ['paused', 'paused'],
    ['io-error', 'paused'],
    ['suspended', 'pmsuspended'],
    ['shutdown', 'shutdown'],
    ['guest-panicked', 'crashed'],
    ['something-new', 'unknown'],
  ])('%s → %s', (qmp, state) => expect(stateOfRunState(qmp)).toBe(state));
});

describe('threadAssignments', () => {
  it('gives each vCPU and I/O thread its planned set and cgroup child', () => {
    const threads = { vcpus: [{ index: 0, threadId: 110 }, { index: 1, threadId: 111 }], iothreads: [{ id: 1, qomId: 'iothread1', threadId: 105 }] };
    expect(threadAssignments(pins, threads)).toEqual([
      { tid: 110, cpus: [0], role: 'vcpu 0', child: 'vcpu0' },
      { tid: 111, cpus: [1], role: 'vcpu 1', child: 'vcpu1' },
      { tid: 105, cpus: [1], role: 'I/O thread 1', child: 'iothread1' },
    ]);
    expect(() => threadAssignments(pins, { ...threads, vcpus: [{ index: 2, threadId: 112 }] })).toThrow(
      'QEMU reports vCPU 2, which the pin plan does not have (plan: vCPUs 0-1); the argv and the plan disagree',
    );
    expect(() => threadAssignments(pins, { vcpus: [], iothreads: [{ id: 3, qomId: 'iothread3', threadId: 1 }] })).toThrow(
      'QEMU reports I/O thread iothread3, which the pin plan does not have (plan: iothread1); the argv and the plan disagree',
    );
  });
});

const record: DomainStatusRecord = {
  format: 1,
  name: 'db',
  uuid: UUID,
  specHash: 'abc',
  phase: 'started',
  pid: 4242,
  pidStartTime: 555838,
  binary: '/usr/bin/qemu-system-x86_64',
  qmpSocket: paths.qmpSocket,
  consoleSocket: null,
  startedAt: '2025-01-01T00:00:00.000Z',
  startedPaused: false,
  lifecycle: { onPoweroff: 'destroy', onCrash: 'destroy' },
  threads: null,
  pins: null,
  cgroup: { kind: 'none', note: 'no cpuset cgroup controller is mounted on this host: pinned by thread affinity only' },
  vfio: [],
  hugepages: [],
  mdevs: [],
  sriov: [],
  taps: [],
  displays: [],
};

describe('status.json', () => {
  it('round-trips and refuses other formats and broken files, naming the file', () => {
    expect(parseStatusRecord(formatStatusRecord(record), 'h:/s')).toEqual(record);
    expect(() => parseStatusRecord('{', 'h:/run/db/status.json')).toThrow(/^h:\/run\/db\/status.json is not JSON \(.*\); remove the file if no QEMU runs for this domain$/);
    expect(() => parseStatusRecord(JSON.stringify({ ...record, format: 2 }), 'h:/s')).toThrow(
      'h:/s has format 2, this virtform reads format 1; use the virtform version that launched the domain, or stop the domain with it first',
    );
    expect(() => parseStatusRecord(JSON.stringify({ ...record, pid: -1 }), 'h:/s')).toThrow("h:/s: field 'pid' must be a positive integer or null");
  });
});

describe('formatStatusTable', () => {
  it('prints one row per domain and explains shut-off domains and affinity-only pinning', () => {
    const running = {
      view: { name: 'db', state: 'running' as const, pid: 4242, qmpSocket: paths.qmpSocket, vcpus: [{ index: 0, threadId: 4250, affinity: '0' }, { index: 1, threadId: 4251, affinity: '1' }] },
      runtime: { name: 'db', state: 'running' as const, reason: 'running', pid: 4242, qmpSocket: paths.qmpSocket, consoleSocket: null, vcpus: [], iothreads: [], threadsFrom: 'qmp' as const, record },
    };
    const off = {
      view: { name: 'web', state: 'shutoff' as const, pid: null, qmpSocket: '/run/virtform/web/qmp.sock', vcpus: [] },
      runtime: { ...running.runtime, name: 'web', state: 'shutoff' as const, reason: 'the guest powered off', pid: null },
    };
    expect(formatStatusTable([running, off], 'localhost')).toBe(
      'NAME  STATE    PID   VCPUS (index:thread@cpus)  QMP SOCKET\n' +
        'db    running  4242  0:4250@0 1:4251@1          /run/virtform/db/qmp.sock\n' +
        '  pinning: no cpuset cgroup controller is mounted on this host: pinned by thread affinity only\n' +
        'web   shutoff  -     -                          /run/virtform/web/qmp.sock\n' +
        '  reason: the guest powered off\n',
    );
    expect(formatStatusTable([], 'root@h1:22')).toBe('No domains on root@h1:22.\n');
  });
});

describe('releaseResources', () => {
  const noHost = new Proxy({}, { get: (_t, k) => (k === 'hostLabel' ? 'h1' : () => Promise.reject(new Error(`unexpected transport call ${String(k)}`))) }) as Transport;
  const held: DomainStatusRecord = {
    ...record,
    cgroup: null,
    vfio: [{ address: '0000:01:00.0', originalDriver: 'nvidia', reboundByVirtform: true }],
    hugepages: [{ sizeKiB: 2048, node: 0, pages: 256, grownBy: 0 }],
  };
  it('refuses to consider VFIO devices or hugepages released when the command has no release hook', async () => {
    await expect(releaseResources({ transport: noHost, runDir: '/run/virtform' }, held)).rejects.toThrow(
      'the domain holds VFIO devices 0000:01:00.0 and hugepages, and this command has no release hook for them; status.json is kept so that a command that has them can release them',
    );
  });
  it('runs every hook with the record, and reports all failures after running them all', async () => {
    const seen: string[] = [];
    const h = {
      transport: noHost,
      runDir: '/run/virtform',
      releaseHooks: [
        async (_h: unknown, r: DomainStatusRecord) => void seen.push(`vfio ${r.vfio[0].address}`),
        async () => {
          seen.push('hugepages');
          throw new Error('cannot shrink the 2048 KiB pool on node 0');
        },
        async () => void seen.push('third'),
      ],
    };
    await expect(releaseResources(h, held)).rejects.toThrow('cannot shrink the 2048 KiB pool on node 0');
    expect(seen).toEqual(['vfio 0000:01:00.0', 'hugepages', 'third']);
  });
});
