/**
 * examples/hello on a local embedded root (qemu:///embed?root=DIR), with the CLI run as its own
 * process (from the sources) inside a private network namespace, as a user runs it:
 * apply → status with pins → no-change re-plan → a new memory size restarts the domain → an
 * apply that waits at its prompt holds the lock and a second apply is refused naming it → an
 * apply killed while it launches QEMU is resumed by the next one → destroy leaves nothing of its
 * own and what it does not own.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { copyHelloStack, storedUuid } from '../support/hello-stack';
import { netnsSkipReason, startNetnsHost, type NetnsHost } from '../support/netns';
import { missingBinaryReason, QEMU_X86_64 } from '../support/qemu';
import { describeIf } from '../support/skip';
import { pidsWithUuid } from '../provider/executor/domain/test-domain';

const REPO = path.join(__dirname, '..', '..');

interface Link {
  ifname: string;
  ifalias?: string;
  master?: string;
  linkinfo?: { info_kind?: string };
}

describeIf(netnsSkipReason() ?? missingBinaryReason(QEMU_X86_64) ?? null)('examples/hello on a local embedded root, the CLI as its own process', () => {
  jest.setTimeout(240000);
  let ns: NetnsHost;
  let root: string;
  let poolDir: string;
  let stack: string;
  let uri: string;

  const start = (args: string[]): ChildProcess =>
    spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-r', path.join(REPO, 'test/support/swc-register.js'), path.join(REPO, 'test/support/virtform-cli.js'), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const finish = (child: ChildProcess): Promise<{ code: number; out: string; err: string }> =>
    new Promise((resolve) => {
      let out = '';
      let err = '';
      child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out, err }));
    });
  const cli = (...args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const c = start(args);
    c.stdin!.end();
    return finish(c);
  };
  /** Resolves once the child printed a line matching `re` (the text so far). */
  const waitFor = (child: ChildProcess, re: RegExp): Promise<string> =>
    new Promise((resolve, reject) => {
      let out = '';
      const on = (b: Buffer): void => {
        out += b.toString();
        if (re.test(out)) {
          child.stdout!.off('data', on);
          resolve(out);
        }
      };
      child.stdout!.on('data', on);
      child.once('close', () => reject(new Error(`exited before printing ${re}: ${out}`)));
    });
  const setDomain = (from: RegExp, to: string): void => {
    const file = path.join(stack, 'domains', 'hello.xml');
    const text = fs.readFileSync(file, 'utf8');
    if (!from.test(text)) throw new Error(`${file} does not match ${from}`);
    fs.writeFileSync(file, text.replace(from, to));
  };
  const links = (): Link[] => JSON.parse(ns.run(['ip', '-j', '-d', 'link', 'show'])) as Link[];
  const vcpus = async (): Promise<string[]> => {
    const s = await cli('status', '-c', uri, '--json');
    const d = (JSON.parse(s.out) as { domains: { name: string; state: string; vcpus: { index: number; affinity: string }[] }[] }).domains;
    return d.map((x) => `${x.name} ${x.state} ${x.vcpus.map((v) => `${v.index}@${v.affinity}`).join(' ')}`);
  };

  beforeAll(async () => {
    ns = await startNetnsHost('local');
    root = path.join(ns.dir, 'root');
    poolDir = path.join(ns.dir, 'hello-pool');
    stack = copyHelloStack(path.join(ns.dir, 'hello'), poolDir);
    uri = `qemu:///embed?root=${root}`;
    fs.mkdirSync(path.join(root, 'networks'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(root, 'networks', 'lab.xml'), "<network>\n  <name>lab</name>\n</network>\n");
    ns.run(['ip', 'link', 'add', 'br-lab', 'type', 'bridge']);
  });

  afterAll(async () => {
    if (ns) {
      await cli('destroy', '-c', uri, '--stack', 'hello', '--auto-approve');
      await ns.stop();
    }
  });

  it('applies a saved plan: the seed needs the stack folder again, and the next apply finishes', async () => {
    const planFile = path.join(ns.dir, 'hello.plan');
    expect((await cli('plan', '-c', uri, '--xml', stack, '-out', planFile)).code).toBe(0);
    // Plan files never hold a seed's contents: without --xml the seed (and the domain that uses it) cannot be made.
    const bare = await cli('apply', '-c', uri, planFile);
    expect(bare.code).toBe(1);
    expect(bare.err).toMatch(
      /^Error: volume\.hello\/cidata-[0-9a-f]{16}\.iso: this volume is a cloud-init seed, made from the stack's cloud-init files, and this apply was not given them \(plan files do not hold them\)\. Nothing was changed; run the apply with --xml PATH \(the stack folder\)\.\n/,
    );
    expect(bare.out).toMatch(/^domain\.hello: not attempted: volume\.hello\/cidata-[0-9a-f]{16}\.iso failed$/m);
    expect(bare.out).toContain('Apply stopped with errors: 3 added, 0 changed, 0 destroyed; 1 failed, 1 not attempted.\n');
    // A new plan of what is left, applied with the stack folder.
    expect((await cli('plan', '-c', uri, '--xml', stack, '-out', planFile)).code).toBe(0);
    const a = await cli('apply', '-c', uri, '--xml', stack, planFile);
    expect([a.code, a.err]).toEqual([0, '']);
    expect(a.out).toContain(`Applying ${planFile} on host localhost (stack 'hello'): 2 to add, 0 to change, 0 to destroy.\n`);
    expect(a.out).toContain('Apply complete! Resources: 2 added, 0 changed, 0 destroyed.\n');
  });

  it('shows the pins, and re-plans with no changes', async () => {
    expect(await vcpus()).toEqual(['hello running 0@0 1@1']);
    expect(await cli('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).toEqual({ code: 0, out: "No changes. Host localhost matches the desired state of stack 'hello'.\n", err: '' });
    expect(await cli('apply', '-c', uri, '--xml', stack, '--auto-approve')).toEqual({
      code: 0,
      out: "No changes. Host localhost matches the desired state of stack 'hello'.\n\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.\n",
      err: '',
    });
  });

  it('restarts the domain for a new memory size, as the plan says', async () => {
    const uuid = storedUuid(root, 'hello');
    const [pid] = pidsWithUuid(uuid);
    setDomain(/<memory unit='MiB'>256<\/memory>/, "<memory unit='MiB'>320</memory>");
    const p = await cli('plan', '-c', uri, '--xml', stack, '--detailed-exitcode');
    expect(p.code).toBe(2);
    expect(p.out).toContain('  # domain.hello will be updated in-place and restarted\n');
    expect(p.out).toContain('      ~ /domain/memory = "262144" -> "327680" # needs a restart of the domain\n');
    const a = await cli('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect([a.code, a.err]).toEqual([0, '']);
    expect(a.out).toContain('domain.hello: stopping QEMU (the domain has no ACPI, so no power button reaches its guest)\ndomain.hello: launching QEMU\n');
    const now = pidsWithUuid(uuid);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(pid);
    expect(fs.readFileSync(`/proc/${now[0]}/cmdline`, 'utf8').split('\0')).toContain('320');
    expect(await vcpus()).toEqual(['hello running 0@0 1@1']);
    expect((await cli('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });

  it('refuses an apply while another waits at its prompt, naming that command', async () => {
    setDomain(/<title>[^<]*<\/title>/, '<title>hello, again</title>');
    const first = start(['apply', '-c', uri, '--xml', stack]);
    const done = finish(first);
    await waitFor(first, /Enter a value: $/);
    const second = await cli('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect(second.code).toBe(1);
    expect(second.err).toMatch(
      new RegExp(`^Error: localhost: the host is locked by another virtform command: 'virtform apply' run by ${os.userInfo().username}@${os.hostname()} \\(client pid ${first.pid}, stack 'hello'\\) since [0-9T:.-]+Z; host process \\d+ holds ${root}/lock\\. `),
    );
    first.stdin!.end('no\n');
    const r = await done;
    expect([r.code, r.err]).toEqual([1, 'Apply cancelled.\n']);
    const a = await cli('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect([a.code, a.err]).toEqual([0, '']);
  });

  it('resumes an apply that was killed while it launched QEMU', async () => {
    const uuid = storedUuid(root, 'hello');
    setDomain(/<memory unit='MiB'>\d+<\/memory>/, "<memory unit='MiB'>288</memory>");
    const victim = start(['apply', '-c', uri, '--xml', stack, '--auto-approve']);
    const ended = finish(victim);
    victim.stdin!.end();
    await waitFor(victim, /^domain\.hello: launching QEMU$/m);
    victim.kill('SIGKILL');
    await ended;

    const a = await cli('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect([a.code, a.err]).toEqual([0, '']);
    expect(a.out).toMatch(/^note: resuming apply \S+ \('virtform apply' by \S+ at \S+\), which was interrupted after 0 steps; in flight: domain\.hello \(update-restart\): (no half-started QEMU|stopped the QEMU it had left half-started; the plan starts the domain again)\. The plan below starts from what it left\.\n\n/);
    expect(pidsWithUuid(uuid)).toHaveLength(1);
    expect(await vcpus()).toEqual(['hello running 0@0 1@1']);
    expect((await cli('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
    expect(fs.readdirSync(path.join(root, 'journal')).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
  });

  it('destroys everything of its own, and leaves what it does not own', async () => {
    const uuid = storedUuid(root, 'hello');
    const d = await cli('destroy', '-c', uri, '--xml', stack, '--auto-approve');
    expect([d.code, d.err]).toEqual([0, '']);
    expect(d.out).toContain('Destroy complete! Resources: 5 destroyed.\n');
    expect(pidsWithUuid(uuid)).toEqual([]);
    expect(links().filter((l) => ['bridge', 'tun'].includes(l.linkinfo?.info_kind ?? '')).map((l) => l.ifname)).toEqual(['br-lab']);
    expect(ns.run(['sh', '-c', 'nft list tables']).trim()).toBe('');
    expect(fs.existsSync(poolDir)).toBe(false);
    expect(fs.readdirSync(path.join(root, 'networks'))).toEqual(['lab.xml']);
    expect(fs.readdirSync(path.join(root, 'domains'))).toEqual([]);
  });
});
