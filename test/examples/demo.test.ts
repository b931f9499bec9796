/**
 * `npm run demo`'s steps (scripts/demo.js runDemo), run twice, then the destroy it prints: with
 * the CLI from the sources as its own process, in a private network namespace, in a scratch
 * working directory (so the embedded default URI puts the state under <tmp>/.virtform), on a
 * copy of examples/hello whose pool lives under <tmp>. Checks outcomes, not timings.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { copyHelloStack, storedUuid } from '../support/hello-stack';
import { netnsSkipReason, startNetnsHost, type NetnsHost } from '../support/netns';
import { missingBinaryReason, QEMU_X86_64 } from '../support/qemu';
import { describeIf } from '../support/skip';
import { pidsWithUuid } from '../provider/executor/domain/test-domain';

const { runDemo } = require('../../scripts/demo.js') as {
  runDemo(o: { cli: (args: string[]) => Promise<{ code: number; out: string }>; say: (t: string) => void; xml?: string; connect?: string }): Promise<number>;
};

const REPO = path.join(__dirname, '..', '..');

describeIf(netnsSkipReason() ?? missingBinaryReason(QEMU_X86_64) ?? null)('npm run demo', () => {
  jest.setTimeout(300000);
  let ns: NetnsHost;
  let cwd: string;
  let xml: string;
  let poolDir: string;

  /** The CLI as its own process in the namespace, working in `cwd`. */
  const cli = (args: string[]): Promise<{ code: number; out: string; err: string }> =>
    new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '-r', path.join(REPO, 'test/support/swc-register.js'), path.join(REPO, 'test/support/virtform-cli.js'), ...args], { cwd });
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.on('close', (code) => resolve({ code: code ?? 1, out, err }));
    });

  async function demo(): Promise<{ code: number; said: string; outs: string[]; errs: string[] }> {
    let said = '';
    const outs: string[] = [];
    const errs: string[] = [];
    const code = await runDemo({
      xml,
      say: (t) => void (said += t),
      cli: async (args) => {
        const r = await cli(args);
        outs.push(r.out);
        errs.push(r.err);
        return r;
      },
    });
    return { code, said, outs, errs };
  }

  beforeAll(async () => {
    ns = await startNetnsHost('demo');
    cwd = path.join(ns.dir, 'work');
    fs.mkdirSync(cwd);
    poolDir = path.join(ns.dir, 'hello-pool');
    xml = copyHelloStack(path.join(cwd, 'hello'), poolDir);
  });

  afterAll(async () => {
    if (ns) {
      await cli(['destroy', '--xml', xml, '--auto-approve']);
      await ns.stop();
    }
  });

  it('applies the example, shows it running with its pins, and plans no changes', async () => {
    const d = await demo();
    expect(d.errs).toEqual(['', '', '']);
    expect(d.code).toBe(0);
    expect(d.said).toContain(`virtform demo: ${xml} on qemu:///embed?root=./.virtform (the embedded default: state under ./.virtform)\n`);
    expect(d.outs[0]).toContain('Apply complete! Resources: 5 added, 0 changed, 0 destroyed.\n');
    expect(d.outs[1]).toMatch(/^hello +running +\d+ +0:\d+@0 1:\d+@1 +\S+\/\.virtform\/run\/hello\/qmp\.sock\n/m);
    expect(d.outs[2]).toBe("No changes. Host localhost matches the desired state of stack 'hello'.\n");
    expect(d.said).toContain(`\nDestroy it (domain, network, volumes, pool directory) with:\n  npx virtform destroy --xml ${xml} --auto-approve\n`);
    expect(fs.existsSync(path.join(cwd, '.virtform', 'domains', 'hello.xml'))).toBe(true);
  });

  it('changes nothing when run again', async () => {
    const uuid = storedUuid(path.join(cwd, '.virtform'), 'hello');
    const [pid] = pidsWithUuid(uuid);
    const d = await demo();
    expect(d.code).toBe(0);
    expect(d.outs[0]).toBe("No changes. Host localhost matches the desired state of stack 'hello'.\n\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.\n");
    expect(pidsWithUuid(uuid)).toEqual([pid]);
  });

  it('is destroyed by the command it prints', async () => {
    const uuid = storedUuid(path.join(cwd, '.virtform'), 'hello');
    const d = await cli(['destroy', '--xml', xml, '--auto-approve']);
    expect([d.code, d.err]).toEqual([0, '']);
    expect(d.out).toContain('Destroy complete! Resources: 5 destroyed.\n');
    expect(pidsWithUuid(uuid)).toEqual([]);
    expect(fs.existsSync(poolDir)).toBe(false);
  });
});
