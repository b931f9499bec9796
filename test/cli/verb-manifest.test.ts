import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../cli/main';
import { COMMANDS_DIR, loadVerb, verbFiles } from '../../cli/commands';
import {
  describeVerbs,
  readVerbManifest,
  verbOfArgv,
  writeVerbManifest,
  VERB_MANIFEST_FILE,
  type VerbManifest,
  type VerbSource,
} from '../../cli/verb-manifest';

function capture() {
  let out = '';
  let err = '';
  return {
    io: { out: (s: string) => void (out += s), err: (s: string) => void (err += s), exitCode: 0 },
    get out() { return out; },
    get err() { return err; },
  };
}

/** The installed verbs, with a manifest made from them now, recording which files get loaded. */
function manifestVerbs(manifest: VerbManifest) {
  const loaded: string[] = [];
  const source: VerbSource = {
    dir: COMMANDS_DIR,
    manifest,
    load: (file) => {
      loaded.push(file);
      return loadVerb(file);
    },
  };
  return { source, loaded };
}

const eager: VerbSource = { dir: COMMANDS_DIR, manifest: undefined, load: (file) => loadVerb(file) };

describe('verb manifest (lazy verb loading)', () => {
  const manifest = describeVerbs();

  it('describes every verb file of cli/commands with the help line its register() gives', () => {
    expect(manifest.files.map((f) => f.file)).toEqual(verbFiles());
    const plan = manifest.files.find((f) => f.file === 'plan')!;
    expect(plan.commands).toEqual([
      {
        name: 'plan',
        aliases: [],
        term: 'plan [options]',
        description: 'Show what apply would change on the host (nothing is changed)',
        hidden: false,
        helpGroup: '',
      },
    ]);
    const qmc = manifest.files.find((f) => f.file === 'qemu-monitor-command')!;
    expect(qmc.commands.map((c) => c.term)).toEqual(['qemu-monitor-command [options] <name> <json...>']);
  });

  it('--help from the manifest is exactly --help with every verb loaded, and loads no verb', async () => {
    const full = capture();
    expect(await main(['--help'], full.io, eager)).toBe(0);
    const lazy = capture();
    const m = manifestVerbs(manifest);
    expect(await main(['--help'], lazy.io, m.source)).toBe(0);
    expect(lazy.out).toBe(full.out);
    expect(m.loaded).toEqual([]);
    for (const f of manifest.files) for (const c of f.commands) expect(lazy.out).toContain(`  ${c.term}`);
  });

  it('--version loads no verb', async () => {
    const c = capture();
    const m = manifestVerbs(manifest);
    expect(await main(['--version'], c.io, m.source)).toBe(0);
    expect(c.out).toBe('0.1.0\n');
    expect(m.loaded).toEqual([]);
  });

  it('a verb loads only its own file, and its help is the same as with every verb loaded', async () => {
    for (const argv of [['hosts', '--help'], ['help', 'hosts']]) {
      const full = capture();
      expect(await main(argv, full.io, eager)).toBe(0);
      const lazy = capture();
      const m = manifestVerbs(manifest);
      expect(await main(argv, lazy.io, m.source)).toBe(0);
      expect(m.loaded).toEqual(['hosts']);
      expect(lazy.out).toBe(full.out);
      expect(lazy.out).toContain('Usage: virtform hosts [options]');
    }
  });

  it('an unknown verb fails as with every verb loaded (same message and suggestion)', async () => {
    const full = capture();
    expect(await main(['plna'], full.io, eager)).toBe(1);
    const lazy = capture();
    const m = manifestVerbs(manifest);
    expect(await main(['plna'], lazy.io, m.source)).toBe(1);
    expect(lazy.err).toBe(full.err);
    expect(lazy.err).toContain("unknown command 'plna'\n(Did you mean plan?)");
    expect(m.loaded).toEqual([]);
  });

  it('names the verb of a command line', () => {
    expect(verbOfArgv([])).toBeUndefined();
    expect(verbOfArgv(['--version'])).toBeUndefined();
    expect(verbOfArgv(['plan', '-c', 'qemu:///embed?root=x', '--xml', 'apply'])).toBe('plan');
    expect(verbOfArgv(['--help', 'hosts'])).toBe('hosts');
    expect(verbOfArgv(['help', 'apply', '--json'])).toBe('apply');
    expect(verbOfArgv(['help'])).toBeUndefined();
    expect(verbOfArgv(['--', 'status'])).toBe('status');
  });

  describe('on disk', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-verbs-'));
      const verb = (name: string, desc: string) =>
        `exports.register = (program) => { program.command('${name}').description('${desc}').option('--x').argument('<file>'); };\n`;
      fs.writeFileSync(path.join(dir, 'alpha.js'), verb('alpha', 'first verb'));
      fs.writeFileSync(path.join(dir, 'beta.js'), verb('beta', 'second verb'));
      fs.writeFileSync(path.join(dir, 'index.js'), 'throw new Error("index is not a verb");\n');
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('reads back what the build wrote while the verb files are unchanged', () => {
      expect(writeVerbManifest(dir)).toBe(path.join(dir, VERB_MANIFEST_FILE));
      const m = readVerbManifest(dir)!;
      expect(m.files.map((f) => [f.file, f.size, f.commands.map((c) => [c.term, c.description])])).toEqual([
        ['alpha', fs.statSync(path.join(dir, 'alpha.js')).size, [['alpha [options] <file>', 'first verb']]],
        ['beta', fs.statSync(path.join(dir, 'beta.js')).size, [['beta [options] <file>', 'second verb']]],
      ]);
    });

    it('is not trusted once a verb file changed, was added or removed, or when missing', () => {
      expect(readVerbManifest(dir)).toBeUndefined();
      writeVerbManifest(dir);
      fs.appendFileSync(path.join(dir, 'beta.js'), '// changed\n');
      expect(readVerbManifest(dir)).toBeUndefined();

      writeVerbManifest(dir);
      const t = new Date(Date.now() - 60_000);
      fs.utimesSync(path.join(dir, 'alpha.js'), t, t);
      expect(readVerbManifest(dir)).toBeUndefined();

      writeVerbManifest(dir);
      fs.writeFileSync(path.join(dir, 'gamma.js'), 'exports.register = () => {};\n');
      expect(readVerbManifest(dir)).toBeUndefined();

      writeVerbManifest(dir);
      expect(readVerbManifest(dir)?.files.map((f) => f.file)).toEqual(['alpha', 'beta', 'gamma']);
      fs.rmSync(path.join(dir, 'gamma.js'));
      expect(readVerbManifest(dir)).toBeUndefined();
    });
  });
});
