/**
 * plan, apply and destroy end to end on qemu:///embed?root=<tmp>, with real QEMU (TCG): a
 * domain is created and runs, a re-plan shows no changes (exit 0 under --detailed-exitcode),
 * a live change is applied live, a QEMU killed behind virtform's back is started again, a
 * saved plan is refused once the host changed, and destroy removes everything.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cliRunner } from '../support/run-cli';
import { describeUnless, missingBinaryReason, QEMU_X86_64 } from '../support/qemu';
import { testApplySession } from '../support/test-apply-session';
import { testLaunchBuilder } from '../support/test-launch-builder';
import { pidsWithUuid } from '../provider/executor/domain/test-domain';

const WEB1 = (currentMiB: number) => `<domain type='qemu'>
  <name>web1</name>
  <memory unit='MiB'>128</memory>
  <currentMemory unit='MiB'>${currentMiB}</currentMemory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
</domain>
`;

describeUnless(missingBinaryReason(QEMU_X86_64))('virtform plan/apply/destroy on an embedded root', () => {
  jest.setTimeout(120000);
  let tmp: string;
  let stack: string;
  let uri: string;
  const applySession = testApplySession();

  const run = cliRunner(applySession);

  const uuidOf = (): string => /<uuid>([^<]+)<\/uuid>/.exec(fs.readFileSync(path.join(tmp, 'root', 'domains', 'web1.xml'), 'utf8'))![1];

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-apply-'));
    stack = path.join(tmp, 'web');
    fs.mkdirSync(path.join(stack, 'domains'), { recursive: true });
    fs.writeFileSync(path.join(stack, 'domains', 'web1.xml'), WEB1(128));
    uri = `qemu:///embed?root=${path.join(tmp, 'root')}`;
  });

  afterAll(async () => {
    await run('destroy', '-c', uri, '--stack', 'web', '--auto-approve');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('plans the domain (exit 2 with --detailed-exitcode), creates it running, and re-plans with no changes', async () => {
    const p = await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode');
    expect(p.err).toBe('');
    expect(p.code).toBe(2);
    expect(p.out).toContain('  # domain.web1 will be created\n  + domain "web1" {\n');
    expect(p.out).toContain('\nPlan: 1 to add, 0 to change, 0 to destroy.\n');

    const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/\ndomain\.web1: Creating\.\.\.\ndomain\.web1: launching QEMU\ndomain\.web1: Creation complete after \d+s\n\nApply complete! Resources: 1 added, 0 changed, 0 destroyed\.\n$/);
    expect(pidsWithUuid(uuidOf())).toHaveLength(1);

    const again = await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode');
    expect(again).toEqual({ code: 0, out: "No changes. Host localhost matches the desired state of stack 'web'.\n", err: '' });
  });

  it('sets a lower balloon target live, without restarting QEMU', async () => {
    const pid = pidsWithUuid(uuidOf())[0];
    fs.writeFileSync(path.join(stack, 'domains', 'web1.xml'), WEB1(96));
    const p = await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode');
    expect(p.code).toBe(2);
    expect(p.out).toContain('  # domain.web1 will be updated in-place\n  ~ domain "web1" {\n      ~ /domain/currentMemory = "131072" -> "98304" # balloon target, set live\n    }\n');
    const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect(a.code).toBe(0);
    expect(a.out).toContain('domain.web1: setting the balloon target to 98304 KiB\n');
    expect(a.out).toContain('Apply complete! Resources: 0 added, 1 changed, 0 destroyed.\n');
    expect(pidsWithUuid(uuidOf())).toEqual([pid]);
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });

  it('starts a domain whose QEMU was killed behind its back', async () => {
    const [pid] = pidsWithUuid(uuidOf());
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && pidsWithUuid(uuidOf()).length; i++) await new Promise((r) => setTimeout(r, 100));
    const p = await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode');
    expect(p.code).toBe(2);
    expect(p.out).toContain('  # domain.web1 will be updated in-place and started\n  ~ domain "web1" {\n      ~ runtime.state = "shutoff" -> "running" # the domain is not running: apply starts it\n    }\n');
    const a = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect(a.code).toBe(0);
    expect(pidsWithUuid(uuidOf())).toHaveLength(1);
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });

  it('applies a saved plan only while the host is as it was planned', async () => {
    fs.writeFileSync(path.join(stack, 'domains', 'web1.xml'), WEB1(64));
    const planFile = path.join(tmp, 'web.plan');
    const p = await run('plan', '-c', uri, '--xml', stack, '-out', planFile);
    expect(p.code).toBe(0);
    expect(p.out).toContain(`\nSaved the plan to: ${planFile}\n`);

    const [pid] = pidsWithUuid(uuidOf());
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && pidsWithUuid(uuidOf()).length; i++) await new Promise((r) => setTimeout(r, 100));
    const refused = await run('apply', '-c', uri, planFile);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      `Error: host localhost changed since ${planFile} was made: domain.web1 (its definition, owner or running state changed). Nothing was applied; make a new plan (virtform plan -out ${planFile})\n`,
    );

    expect((await run('plan', '-c', uri, '--xml', stack, `-out=${planFile}`)).code).toBe(0);
    const a = await run('apply', '-c', uri, planFile);
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    expect(a.out).toContain(`Applying ${planFile} on host localhost (stack 'web'): 0 to add, 1 to change, 0 to destroy.\n`);
    expect(pidsWithUuid(uuidOf())).toHaveLength(1);
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });

  it('destroys the domain: QEMU stopped, definition and record removed', async () => {
    const uuid = uuidOf();
    const d = await run('destroy', '-c', uri, '--xml', stack, '--auto-approve');
    expect(d.err).toBe('');
    expect(d.code).toBe(0);
    expect(d.out).toContain('  # domain.web1 will be destroyed\n');
    // web1 has no <features><acpi/>: QEMU runs with -no-acpi, so it is stopped without waiting for the power button.
    expect(d.out).toMatch(/domain\.web1: Destroying\.\.\.\ndomain\.web1: stopping QEMU \(the domain has no ACPI, so no power button reaches its guest\)\ndomain\.web1: Destruction complete after \d+s\n\nDestroy complete! Resources: 1 destroyed\.\n$/);
    expect(pidsWithUuid(uuid)).toEqual([]);
    expect(fs.readdirSync(path.join(tmp, 'root', 'domains'))).toEqual([]);
    expect(fs.existsSync(path.join(tmp, 'root', 'run', 'web1'))).toBe(false);
    const p = await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode');
    expect(p.code).toBe(2);
  });
});

describeUnless(missingBinaryReason(QEMU_X86_64))('an apply that failed half-way', () => {
  jest.setTimeout(120000);
  let tmp: string;
  let stack: string;
  let uri: string;
  let failNext = true;
  const applySession = testApplySession({
    launcher: {
      build: async (domain, ctx) => {
        if (failNext) {
          failNext = false;
          return { argv: [QEMU_X86_64, '-machine', 'no-such-machine', '-nodefaults', '-display', 'none'] };
        }
        return testLaunchBuilder.build(domain, ctx);
      },
    },
  });

  const run = cliRunner(applySession);

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-half-'));
    stack = path.join(tmp, 'web');
    fs.mkdirSync(stack, { recursive: true });
    fs.writeFileSync(path.join(stack, 'web1.xml'), WEB1(128));
    uri = `qemu:///embed?root=${path.join(tmp, 'root')}`;
  });

  afterAll(async () => {
    await run('destroy', '-c', uri, '--stack', 'web', '--auto-approve');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is finished by running apply again: the stored definition is adopted and started', async () => {
    const first = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect(first.code).toBe(1);
    expect(first.out).toMatch(/domain\.web1: Creation failed after \d+s\n/);
    expect(first.err).toBe(
      "Error: domain.web1: localhost: domain 'web1': launch: start QEMU: /usr/bin/qemu-system-x86_64 exited with status 1: qemu-system-x86_64: unsupported machine type\n" +
        'Use -machine help to list supported machines\n' +
        'Run the same command again to finish: apply picks up what was done.\n',
    );
    const uuid = /<uuid>([^<]+)<\/uuid>/.exec(fs.readFileSync(path.join(tmp, 'root', 'domains', 'web1.xml'), 'utf8'))![1];
    expect(pidsWithUuid(uuid)).toEqual([]);

    const p = await run('plan', '-c', uri, '--xml', stack);
    expect(p.out).toContain('  # domain.web1 will be updated in-place and started\n');
    const again = await run('apply', '-c', uri, '--xml', stack, '--auto-approve');
    expect(again.err).toBe('');
    expect(again.code).toBe(0);
    expect(pidsWithUuid(uuid)).toHaveLength(1);
    expect((await run('plan', '-c', uri, '--xml', stack, '--detailed-exitcode')).code).toBe(0);
  });
});
