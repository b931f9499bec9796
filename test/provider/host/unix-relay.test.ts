/**
 * The exec relay behind SshTransport.connectUnix, for sshd that refuse direct-streamlocal.
 * Each relay tool is tested on its own by running the script with a PATH that holds only
 * that tool (plus mktemp, ln, rm), through LocalTransport.spawn.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalTransport } from '../../../provider/host/local-transport';
import { UNIX_RELAY_SCRIPT } from '../../../provider/host/ssh-transport';
import { itIf } from '../../support/skip';
import { echoServer } from './transport-contract';

const local = new LocalTransport('qemu:///system');

function pathWith(dir: string, tools: Record<string, string>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const base of ['mktemp', 'ln', 'rm']) fs.symlinkSync(`/bin/${base}`, path.join(dir, base));
  for (const [name, target] of Object.entries(tools)) fs.symlinkSync(target, path.join(dir, name));
  return dir;
}

async function runRelay(PATH: string, socketPath: string, input: string) {
  const p = await local.spawn(['/bin/sh', '-c', UNIX_RELAY_SCRIPT, 'sh', socketPath], { env: { PATH } });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  p.stdin.write(input);
  // Close our side once the answer is in (or soon, for the failure cases).
  const deadline = Date.now() + 3000;
  while (!out.includes(`echo:${input}`) && Date.now() < deadline && !(await Promise.race([p.exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 50))]))) {
    /* wait */
  }
  p.stdin.end();
  const exit = await p.exited;
  return { out, err, exit };
}

describe('unix socket relay script', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-relay-'));
  const sock = path.join(dir, 'a,b:c!.sock');
  let srv: import('net').Server;
  beforeAll(async () => (srv = await echoServer(sock)));
  afterAll(() => {
    srv.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const tools: [string, string][] = [
    ['socat', '/usr/bin/socat'],
    ['python3', '/usr/bin/python3'],
    ['nc.openbsd', '/bin/nc.openbsd'],
  ];
  for (const [name, bin] of tools) {
    itIf(fs.existsSync(bin) ? null : `${bin} is not installed`)(`relays bytes both ways with only ${name} available`, async () => {
      const PATH = pathWith(path.join(dir, `bin-${name}`), { [name]: bin });
      const r = await runRelay(PATH, sock, 'hello');
      expect(r.out).toBe('echo:hello');
      expect(r.exit.code).toBe(0);
    });
  }

  it('exits 127 naming the tools when none is installed', async () => {
    const PATH = pathWith(path.join(dir, 'bin-none'), {});
    const r = await runRelay(PATH, sock, 'x');
    expect(r.exit.code).toBe(127);
    expect(r.err).toBe('virtform-relay: none of socat, python3, nc.openbsd is installed\n');
  });

  it('exits 2 for a path that is not a unix socket', async () => {
    const PATH = pathWith(path.join(dir, 'bin-missing'), { socat: '/usr/bin/socat' });
    const r = await runRelay(PATH, path.join(dir, 'nope.sock'), 'x');
    expect(r.exit.code).toBe(2);
    expect(r.err).toBe(`virtform-relay: ${path.join(dir, 'nope.sock')}: no such unix socket\n`);
  });

  itIf(fs.existsSync('/usr/bin/python3') ? null : 'python3 is not installed')('reports a refused connection (python3 relay) instead of announcing readiness', async () => {
    const PATH = pathWith(path.join(dir, 'bin-dead'), { python3: '/usr/bin/python3' });
    const dead = path.join(dir, 'dead.sock');
    require('child_process').execFileSync('/usr/bin/python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', dead]);
    const r = await runRelay(PATH, dead, 'x');
    expect(r.exit.code).toBe(1);
    expect(r.err).toBe(`virtform-relay: ${dead}: Connection refused\n`);
  });
});
