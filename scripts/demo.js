#!/usr/bin/env node
'use strict';
// `npm run demo`: applies examples/hello (a dir pool, a qcow2 volume, a cloud-init seed, an
// isolated network and a domain with pinned vCPUs and a serial console, booting firmware only)
// to the embedded default URI (state under ./.virtform), shows the running domain with its pins,
// plans again to show there is nothing left to change, and says how to destroy it.
// Running it again changes nothing. `predemo` has installed what it needs and built dist/.
//
// The steps are exported (runDemo) so that a test runs exactly them with its own CLI and paths.
const { spawn } = require('child_process');
const path = require('path');

const REPO = path.join(__dirname, '..');
const EXAMPLE = 'examples/hello';

/**
 * The demo's steps. `cli(args)` runs virtform and resolves to { code, out } (out: what it
 * printed on stdout); `say(text)` prints the demo's own lines; `xml` is the stack folder and
 * `connect` an optional -c URI (default: the embedded default URI). Resolves to the exit code.
 */
async function runDemo({ cli, say, xml = EXAMPLE, connect }) {
  const c = connect ? ['-c', connect] : [];
  const shown = (args) => `$ npx virtform ${args.join(' ')}`;

  say(`virtform demo: ${xml} on ${connect ?? 'qemu:///embed?root=./.virtform (the embedded default: state under ./.virtform)'}\n\n`);

  const apply = ['apply', '--xml', xml, '--auto-approve', ...c];
  say(`${shown(apply)}\n`);
  const a = await cli(apply);
  if (a.code !== 0) return fail(say, 'the apply failed (see above); run the same command again to finish what it left');

  const status = ['status', ...c];
  say(`\n${shown(status)}\n`);
  const s = await cli(status);
  if (s.code !== 0 || !/^hello\s+running\s/m.test(s.out)) return fail(say, "domain 'hello' is not shown running");

  const plan = ['plan', '--xml', xml, '--detailed-exitcode', ...c];
  say(`\n${shown(plan)}\n`);
  const p = await cli(plan);
  if (p.code !== 0) return fail(say, `the second plan should find nothing to change, but exited ${p.code}`);

  say(
    [
      '',
      "Domain 'hello' keeps running: QEMU runs detached, and every virtform command reconnects to it.",
      'It boots firmware only (no OS), so its serial console stays quiet. Look around with:',
      `  npx virtform status${c.length ? ' ' + c.join(' ') : ''}`,
      `  npx virtform qemu-monitor-command${c.length ? ' ' + c.join(' ') : ''} hello '{"execute":"query-cpus-fast"}'`,
      `  npx virtform console hello${c.length ? ' ' + c.join(' ') : ''}            (Ctrl-] leaves)`,
      'Destroy it (domain, network, volumes, pool directory) with:',
      `  npx virtform destroy --xml ${xml} --auto-approve${c.length ? ' ' + c.join(' ') : ''}`,
      '',
    ].join('\n'),
  );
  return 0;
}

function fail(say, why) {
  say(`\nvirtform demo: ${why}.\n`);
  return 1;
}

/** Runs bin/virtform.js with the output shown as it comes, and kept for the checks. */
function binCli(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'virtform.js'), ...args], { stdio: ['inherit', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b) => {
      out += b.toString('utf8');
      process.stdout.write(b);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

module.exports = { runDemo, EXAMPLE };

if (require.main === module) {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    process.stderr.write(
      'virtform demo: run it as root (sudo npm run demo): the example network needs a bridge, nftables rules and dnsmasq, ' +
        'and its pool lives in /var/lib/virtform-hello.\n',
    );
    process.exit(1);
  }
  process.chdir(REPO);
  runDemo({ cli: binCli, say: (t) => process.stdout.write(t) }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`virtform demo: ${e && e.message ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
