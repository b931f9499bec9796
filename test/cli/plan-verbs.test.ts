/**
 * plan, apply and destroy as commands, against a session whose host is given as data (the
 * planner's fixtures) and whose executor records what it is asked: exit codes, prompts, plan
 * files with secrets, refusals, and the messages of each.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { main, type CliIo } from '../../cli/main';
import type { ApplySession } from '../../cli/apply-session';
import type { LiveResource } from '../../planner/live-state';
import type { ResourceChange } from '../../planner/plan';
import { LIVE_UPDATE_KINDS } from '../../planner/change-effect';
import { DOMAIN_WEB1, hostFacts, liveAfter, plan } from '../planner/plan-fixtures';

interface World {
  live: LiveResource[];
  calls: string[];
  applied: ResourceChange[];
  failing: Set<string>;
}

function sessionOf(world: World): () => Promise<ApplySession> {
  const step = (method: string) => async (c: ResourceChange) => {
    world.calls.push(`${method} ${c.address}`);
    world.applied.push(c);
    if (world.failing.has(c.address)) throw new Error(`the host said no to ${c.address}`);
  };
  return async () => ({
    hostLabel: 'h1',
    facts: hostFacts(),
    reader: { read: async () => ({ resources: world.live }) },
    executor: { liveUpdates: new Set(LIVE_UPDATE_KINDS), create: step('create'), update: step('update'), deleteThenCreate: step('replace'), delete: step('delete') },
    lock: async () => ({ assertHeld: () => undefined, release: async () => undefined }),
    notes: [],
    close: async () => undefined,
  });
}

let tmp: string;
let world: World;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-verbs-'));
  fs.mkdirSync(path.join(tmp, 'web', 'domains'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'web', 'domains', 'web1.xml'), DOMAIN_WEB1);
  world = { live: [], calls: [], applied: [], failing: new Set() };
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function run(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (s) => void (out += s),
    err: (s) => void (err += s),
    exitCode: 0,
    applySession: sessionOf(world),
    ...(stdin !== undefined ? { stdin: Readable.from([stdin]) } : {}),
  };
  const code = await main(args, io);
  return { code, out, err };
}

const stack = () => path.join(tmp, 'web');

describe('virtform plan', () => {
  it('needs --xml', async () => {
    expect(await run(['plan'])).toEqual({
      code: 1,
      out: '',
      err: 'Error: plan needs the desired state: give --xml PATH (a libvirt XML file or a folder of them, see docs/xml-stacks.md)\n',
    });
  });

  it('exits 2 with --detailed-exitcode when there are changes, 0 without the flag, 0 when there are none', async () => {
    expect((await run(['plan', '--xml', stack(), '--detailed-exitcode'])).code).toBe(2);
    expect((await run(['plan', '--xml', stack()])).code).toBe(0);
    world.live = liveAfter(plan({ files: { 'domains/web1.xml': DOMAIN_WEB1 } }));
    expect(await run(['plan', '--xml', stack(), '--detailed-exitcode'])).toEqual({ code: 0, out: "No changes. Host h1 matches the desired state of stack 'web'.\n", err: '' });
  });

  it('prints JSON with --json, for the stack named after the file', async () => {
    const r = await run(['plan', '--xml', path.join(stack(), 'domains', 'web1.xml'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect([j.stack, j.host, j.summary, j.changes.map((c: { address: string; action: string }) => `${c.address} ${c.action}`)]).toEqual(['web1', 'h1', { add: 1, change: 0, destroy: 0 }, ['domain.web1 create']]);
  });

  it('exits 1 with every problem, each at its file and line', async () => {
    fs.writeFileSync(path.join(tmp, 'web', 'domains', 'web1.xml'), DOMAIN_WEB1.replace('<vcpu>1</vcpu>', "<vcpu cpuset='7'>1</vcpu>"));
    const r = await run(['plan', '--xml', stack()]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `Error: ${path.join(stack(), 'domains', 'web1.xml')}:5: domain.web1: /domain/vcpu/@cpuset: the domain's <vcpu cpuset> is pinned to cpuset '7', but host h1 has no online CPU 7 (it lacks that CPU or it is offline; online CPUs: 0-1) (fix: pin the vCPUs to CPUs within 0-1, or bring CPU 7 online on the host)\n`,
    );
  });

  it('refuses a bad --target and a bad stack name', async () => {
    expect((await run(['plan', '--xml', stack(), '--target', 'web1'])).err).toMatch(/^Error: --target: 'web1' is not a resource address/);
    expect((await run(['plan', '--xml', stack(), '--stack', '.hidden'])).err).toBe(
      `Error: stack name ".hidden" cannot be used: it starts with '.', which marks the state store's temporary files; give --stack NAME with letters, digits, dashes and underscores\n`,
    );
  });
});

describe('virtform apply', () => {
  it('asks first and does nothing unless the answer is yes', async () => {
    const no = await run(['apply', '--xml', stack()], 'no\n');
    expect(no.code).toBe(1);
    expect(no.err).toBe('Apply cancelled.\n');
    expect(no.out).toContain("\nDo you want to perform these actions?\n  virtform will perform the actions described above on host h1.\n  Only 'yes' will be accepted to approve.\n\n  Enter a value: \n");
    expect(world.calls).toEqual([]);
    expect((await run(['apply', '--xml', stack()])).code).toBe(1);
    expect(world.calls).toEqual([]);

    const yes = await run(['apply', '--xml', stack()], 'yes\n');
    expect(yes.code).toBe(0);
    expect(world.calls).toEqual(['create domain.web1']);
    expect(yes.out).toMatch(/\ndomain\.web1: Creating\.\.\.\ndomain\.web1: Creation complete after 0s\n\nApply complete! Resources: 1 added, 0 changed, 0 destroyed\.\n$/);
  });

  it('says nothing needs doing without asking', async () => {
    world.live = liveAfter(plan({ files: { 'domains/web1.xml': DOMAIN_WEB1 } }));
    expect(await run(['apply', '--xml', stack()])).toEqual({
      code: 0,
      out: "No changes. Host h1 matches the desired state of stack 'web'.\n\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.\n",
      err: '',
    });
  });

  it('exits 1 naming each failed resource, after doing what it could', async () => {
    fs.writeFileSync(path.join(tmp, 'web', 'domains', 'db.xml'), DOMAIN_WEB1.replace('web1', 'db').replace('11111111', '22222222'));
    world.failing.add('domain.db');
    const r = await run(['apply', '--xml', stack(), '--auto-approve']);
    expect(r.code).toBe(1);
    expect(world.calls.sort()).toEqual(['create domain.db', 'create domain.web1']);
    expect(r.out).toContain('\nApply stopped with errors: 1 added, 0 changed, 0 destroyed; 1 failed, 0 not attempted.\n');
    expect(r.err).toBe('Error: domain.db: the host said no to domain.db\nRun the same command again to finish: apply picks up what was done.\n');
  });

  it('applies a saved plan without asking, and needs --xml again for its secrets', async () => {
    fs.writeFileSync(path.join(tmp, 'web', 'domains', 'web1.xml'), DOMAIN_WEB1.replace('</os>', "</os><devices><graphics type='vnc' passwd='s3cret-pw'/></devices>"));
    const file = path.join(tmp, 'web.plan');
    expect((await run(['plan', '--xml', stack(), '-out', file])).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8')).not.toContain('s3cret-pw');
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');

    const without = await run(['apply', file]);
    expect(without).toEqual({
      code: 1,
      out: '',
      err: `Error: ${file} leaves out the sensitive values of domain.web1 (plan files never hold secrets); run virtform apply --xml PATH ${file} with the documents the plan was made from\n`,
    });
    const a = await run(['apply', '--xml', stack(), file]);
    expect(a.err).toBe('');
    expect(a.code).toBe(0);
    expect(world.calls).toEqual(['create domain.web1']);
    expect(world.applied[0].desiredXml).toContain("passwd='s3cret-pw'");
  });

  it('refuses a saved plan when the documents given for its secrets differ', async () => {
    fs.writeFileSync(path.join(tmp, 'web', 'domains', 'web1.xml'), DOMAIN_WEB1.replace('</os>', "</os><devices><graphics type='vnc' passwd='s3cret-pw'/></devices>"));
    const file = path.join(tmp, 'web.plan');
    await run(['plan', '--xml', stack(), '-out', file]);
    fs.writeFileSync(path.join(tmp, 'web', 'domains', 'web1.xml'), DOMAIN_WEB1.replace('</os>', "</os><devices><graphics type='vnc' passwd='s3cret-pw'/></devices>").replace('<vcpu>1</vcpu>', '<vcpu>2</vcpu>'));
    const r = await run(['apply', '--xml', stack(), file]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`Error: the plan made again from --xml ${stack()} is not the plan in ${file}: the changes differ (file: create domain.web1; now: create domain.web1); the definition of domain.web1 differs. Make a new plan\n`);
    expect(world.calls).toEqual([]);
  });

  it('refuses a saved plan made for another host, and a damaged one', async () => {
    const file = path.join(tmp, 'web.plan');
    await run(['plan', '--xml', stack(), '-out', file]);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"host": "h1"', '"host": "h2"'));
    expect((await run(['apply', file])).err).toBe(`Error: ${file} was made for host h2, not h1; make a plan for this host (virtform plan -c URI -out FILE)\n`);
    fs.writeFileSync(file, '{"format":"virtform-plan-file/1","plan":{"formatVersion":1}}');
    expect((await run(['apply', file])).err).toBe(`Error: ${file}: plan: fingerprint must be an object\n`);
  });
});

describe('virtform destroy', () => {
  it('needs the stack', async () => {
    expect((await run(['destroy'])).err).toBe('Error: destroy needs the stack: give --stack NAME, or --xml PATH to name it after the documents\n');
  });

  it("deletes the stack's resources after a yes, and leaves other stacks alone", async () => {
    world.live = [
      ...liveAfter(plan({ files: { 'domains/web1.xml': DOMAIN_WEB1 } })),
      { address: { kind: 'domain', name: 'db' }, xml: DOMAIN_WEB1.replace('web1', 'db').replace('11111111', '22222222'), owner: { stack: 'shop' } },
    ];
    const no = await run(['destroy', '--stack', 'web'], 'nope\n');
    expect([no.code, no.err, world.calls]).toEqual([1, 'Destroy cancelled.\n', []]);
    const yes = await run(['destroy', '--stack', 'web'], 'yes\n');
    expect(yes.code).toBe(0);
    expect(yes.out).toContain("\nDo you really want to destroy all resources of stack 'web'?\n");
    expect(world.calls).toEqual(['delete domain.web1']);
    expect(yes.out).toMatch(/\nDestroy complete! Resources: 1 destroyed\.\n$/);
  });
});

describe('the default wiring', () => {
  it('plans against an embedded root it has never seen, and creates nothing there', async () => {
    let out = '';
    let err = '';
    const root = path.join(tmp, 'root');
    const io: CliIo = { out: (s) => void (out += s), err: (s) => void (err += s), exitCode: 0 };
    const code = await main(['plan', '-c', `qemu:///embed?root=${root}`, '--xml', stack(), '--detailed-exitcode'], io);
    expect([code, err]).toEqual([2, '']);
    expect(out).toContain('  # domain.web1 will be created\n');
    expect(fs.existsSync(root)).toBe(false);
  });
});
