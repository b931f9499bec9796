/**
 * QMP client behaviour against a scripted peer (exact wire bytes), then against a real QEMU.
 */
import { Duplex } from 'stream';
import * as fs from 'fs';
import {
  compactJson,
  QmpClient,
  QmpClosedError,
  QmpCommandError,
  QmpProtocolError,
  QmpTimeoutError,
} from '../../../provider/qemu/qmp';
import { runMonitorCommand } from '../../../provider/qemu/monitor-command';
import { versionNumber } from '../../../provider/qemu/caps/qemu-caps';
import {
  connectUnix,
  describeUnless,
  missingBinaryReason,
  processAlive,
  qemuVersionLine,
  QEMU_X86_64,
  RunningQemu,
  startQemu,
  waitForExit,
} from '../../support/qemu';

/** The server side of an in-memory connection: records what the client wrote, sends bytes back. */
class ScriptedPeer {
  readonly written: string[] = [];
  private onLine?: (line: string) => void;
  readonly clientSide: Duplex;

  constructor() {
    let partial = '';
    this.clientSide = new Duplex({
      read() {},
      write: (chunk: Buffer, _enc, cb) => {
        partial += chunk.toString('utf8');
        let nl: number;
        while ((nl = partial.indexOf('\n')) !== -1) {
          const line = partial.slice(0, nl);
          partial = partial.slice(nl + 1);
          this.written.push(line);
          this.onLine?.(line);
        }
        cb();
      },
      final: (cb) => {
        cb();
        this.clientSide.push(null);
      },
    });
  }

  send(text: string): void {
    this.clientSide.push(Buffer.from(text, 'utf8'));
  }

  /** Answers each command with what `answer` returns (or nothing when it returns undefined). */
  answer(answer: (cmd: Record<string, unknown>) => string | undefined): void {
    this.onLine = (line) => {
      const reply = answer(JSON.parse(line));
      if (reply !== undefined) setImmediate(() => this.send(reply));
    };
  }

  hangUp(): void {
    this.clientSide.push(null);
    this.clientSide.destroy();
  }
}

/** The rejection reason of a promise that must fail (typed loosely for property assertions). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

const GREETING =
  '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}\r\n';

async function connected(peer: ScriptedPeer, extra?: (cmd: Record<string, unknown>) => string | undefined): Promise<QmpClient> {
  peer.answer((cmd) => {
    if (cmd.execute === 'qmp_capabilities') return `{"return": {}, "id": ${JSON.stringify(cmd.id)}}\r\n`;
    return extra?.(cmd);
  });
  const p = QmpClient.connect(peer.clientSide, { label: 'test monitor', timeoutMs: 1000 });
  peer.send(GREETING);
  return p;
}

describe('QmpClient against a scripted peer', () => {
  it('reads the greeting, negotiates capabilities with an id, and exposes the version', async () => {
    const peer = new ScriptedPeer();
    const qmp = await connected(peer);
    expect(peer.written).toEqual(['{"execute":"qmp_capabilities","id":"virtform-1"}\r']);
    expect(qmp.greeting).toEqual({
      version: { qemu: { major: 7, minor: 2, micro: 22 }, package: 'Debian 1:7.2+dfsg-7+deb12u18+b3' },
      capabilities: ['oob'],
    });
    expect(versionNumber(qmp.greeting.version.qemu)).toBe(7002022);
    qmp.destroy();
  });

  it('sends arguments and matches replies by id even when they come out of order', async () => {
    const peer = new ScriptedPeer();
    const held: Record<string, unknown>[] = [];
    const qmp = await connected(peer, (cmd) => {
      held.push(cmd);
      if (held.length < 2) return undefined;
      // Answer the second command first, then the first, in one chunk.
      return (
        `{"return": {"which": "second"}, "id": ${JSON.stringify(held[1].id)}}\r\n` +
        `{"return": {"which": "first"}, "id": ${JSON.stringify(held[0].id)}}\r\n`
      );
    });
    const a = qmp.execute('qom-get', { path: '/machine', property: 'type' });
    const b = qmp.execute('query-status');
    expect(await a).toEqual({ which: 'first' });
    expect(await b).toEqual({ which: 'second' });
    expect(peer.written.slice(1)).toEqual([
      '{"execute":"qom-get","arguments":{"path":"/machine","property":"type"},"id":"virtform-2"}\r',
      '{"execute":"query-status","id":"virtform-3"}\r',
    ]);
    qmp.destroy();
  });

  it('reassembles a reply split across chunks, including a split multi-byte character', async () => {
    const peer = new ScriptedPeer();
    const qmp = await connected(peer, () => undefined);
    const p = qmp.execute<{ name: string }>('query-name');
    const bytes = Buffer.from('{"return": {"name": "gäst"}, "id": "virtform-2"}\r\n', 'utf8');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two-byte "ä"
    peer.clientSide.push(bytes.subarray(0, cut));
    await new Promise((r) => setImmediate(r));
    peer.clientSide.push(bytes.subarray(cut));
    expect(await p).toEqual({ name: 'gäst' });
    qmp.destroy();
  });

  it('turns an error reply into a QmpCommandError carrying the command, class and description', async () => {
    const peer = new ScriptedPeer();
    const qmp = await connected(peer, (cmd) =>
      `{"id": ${JSON.stringify(cmd.id)}, "error": {"class": "DeviceNotFound", "desc": "Device 'net9' not found"}}\r\n`,
    );
    const err = await rejection(qmp.execute('device_del', { id: 'net9' }));
    expect(err).toBeInstanceOf(QmpCommandError);
    expect(err).toMatchObject({ command: 'device_del', errorClass: 'DeviceNotFound', desc: "Device 'net9' not found" });
    expect(err.message).toBe("QMP command 'device_del' failed: DeviceNotFound: Device 'net9' not found");
    qmp.destroy();
  });

  it('delivers events that arrive between a command and its reply, to subscribers and waiters', async () => {
    const peer = new ScriptedPeer();
    const qmp = await connected(peer, (cmd) =>
      '{"timestamp": {"seconds": 1795301107, "microseconds": 733602}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}\r\n' +
      `{"return": {}, "id": ${JSON.stringify(cmd.id)}}\r\n`,
    );
    const seen: string[] = [];
    const offAll = qmp.onEvent('*', (e) => seen.push(`*:${e.event}`));
    const offOne = qmp.onEvent('SHUTDOWN', (e) => seen.push(`one:${e.data.reason}`));
    const down = qmp.waitForEvent('SHUTDOWN', { timeoutMs: 1000 });
    await qmp.execute('quit');
    expect(await down).toEqual({
      event: 'SHUTDOWN',
      data: { guest: false, reason: 'host-qmp-quit' },
      timestamp: { seconds: 1795301107, microseconds: 733602 },
    });
    expect(seen).toEqual(['one:host-qmp-quit', '*:SHUTDOWN']);
    offAll();
    offOne();
    qmp.destroy();
  });

  it('does not lose lines that arrive in the same chunk as the greeting', async () => {
    const peer = new ScriptedPeer();
    // The capabilities reply is already in the greeting's chunk, before the client even asked.
    const p = QmpClient.connect(peer.clientSide, { timeoutMs: 1000 });
    peer.send(GREETING + '{"return": {}, "id": "virtform-1"}\r\n');
    const qmp = await p;
    expect(peer.written).toEqual(['{"execute":"qmp_capabilities","id":"virtform-1"}\r']);
    qmp.destroy();
  });

  it('waits for an event matching a predicate and times out with a clear message', async () => {
    const peer = new ScriptedPeer();
    const qmp = await connected(peer);
    const matched = qmp.waitForEvent('DEVICE_DELETED', { match: (e) => e.data.device === 'net1', timeoutMs: 1000 });
    peer.send('{"timestamp": {"seconds": 1, "microseconds": 0}, "event": "DEVICE_DELETED", "data": {"device": "net0", "path": "/machine/peripheral/net0"}}\r\n');
    peer.send('{"timestamp": {"seconds": 2, "microseconds": 0}, "event": "DEVICE_DELETED", "data": {"device": "net1", "path": "/machine/peripheral/net1"}}\r\n');
    expect((await matched).data.device).toBe('net1');
    const err = await rejection(qmp.waitForEvent('BLOCK_JOB_COMPLETED', { timeoutMs: 30 }));
    expect(err).toBeInstanceOf(QmpTimeoutError);
    expect(err.message).toBe('no BLOCK_JOB_COMPLETED event from test monitor within 30 ms');
    qmp.destroy();
  });

  it('times out a command without an answer and ignores the late reply', async () => {
    const peer = new ScriptedPeer();
    const ids: unknown[] = [];
    const qmp = await connected(peer, (cmd) => {
      ids.push(cmd.id);
      return undefined;
    });
    const err = await rejection(qmp.execute('query-status', undefined, { timeoutMs: 20 }));
    expect(err).toBeInstanceOf(QmpTimeoutError);
    expect(err.message).toBe("no reply to 'query-status' from test monitor within 20 ms");
    peer.send(`{"return": {"late": true}, "id": ${JSON.stringify(ids[0])}}\r\n`);
    const next = qmp.execute('query-name');
    peer.send(`{"return": {"name": "ok"}, "id": "virtform-3"}\r\n`);
    expect(await next).toEqual({ name: 'ok' });
    qmp.destroy();
  });

  it('rejects every pending command and event waiter when the connection drops mid-command', async () => {
    const peer = new ScriptedPeer();
    const qmp = await connected(peer, () => undefined);
    const a = rejection(qmp.execute('cont'));
    const b = rejection(qmp.execute('query-cpus-fast'));
    const w = rejection(qmp.waitForEvent('STOP'));
    peer.hangUp();
    const [ea, eb, ew] = await Promise.all([a, b, w]);
    expect(ea).toBeInstanceOf(QmpClosedError);
    expect(ea.command).toBe('cont');
    expect(ea.message).toBe("the monitor closed the connection (test monitor) before QEMU answered 'cont'");
    expect(eb.message).toBe("the monitor closed the connection (test monitor) before QEMU answered 'query-cpus-fast'");
    expect(ew).toBeInstanceOf(QmpClosedError);
    expect(ew.message).toBe('the monitor closed the connection (test monitor) while waiting for event STOP');
    expect(qmp.isClosed).toBe(true);
    expect((await qmp.closed).message).toBe('the monitor closed the connection (test monitor)');
    const late = await rejection(qmp.execute('query-status'));
    expect(late).toBeInstanceOf(QmpClosedError);
    expect(late.message).toBe("the monitor closed the connection (test monitor); cannot send 'query-status'");
  });

  it('fails the handshake clearly when the peer hangs up before the greeting', async () => {
    const peer = new ScriptedPeer();
    const p = rejection(QmpClient.connect(peer.clientSide, { label: '/run/x/qmp.sock', timeoutMs: 1000 }));
    peer.hangUp();
    const err = await p;
    expect(err).toBeInstanceOf(QmpClosedError);
    expect(err.message).toBe('/run/x/qmp.sock closed before sending the QMP greeting; is QEMU running and is this its QMP socket?');
  });

  it('fails the handshake when the peer speaks something else', async () => {
    const peer = new ScriptedPeer();
    const p = rejection(QmpClient.connect(peer.clientSide, { label: 'serial.sock', timeoutMs: 1000 }));
    peer.send('SeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n');
    const err = await p;
    expect(err).toBeInstanceOf(QmpProtocolError);
    expect(err.message).toBe('serial.sock did not send a QMP greeting but: SeaBIOS (version 1.16.2-debian-1.16.2-1)');
  });

  it('times out the handshake when no greeting comes (another client holds the monitor)', async () => {
    const peer = new ScriptedPeer();
    const err = await rejection(QmpClient.connect(peer.clientSide, { label: 'qmp.sock', timeoutMs: 30 }));
    expect(err).toBeInstanceOf(QmpTimeoutError);
    expect(err.message).toBe('qmp.sock sent no QMP greeting within 30 ms; another client may hold the monitor (QMP serves one client at a time)');
  });

  it('rejects pending commands with a protocol error when a line is not JSON', async () => {
    const peer = new ScriptedPeer();
    const qmp = await connected(peer, () => 'garbage\r\n');
    const err = await rejection(qmp.execute('query-status'));
    expect(err).toBeInstanceOf(QmpProtocolError);
    expect(err.message).toBe('test monitor sent a line that is not JSON: garbage');
  });

  describe('raw passthrough (qemu-monitor-command)', () => {
    it('adds an id when missing and returns the reply text verbatim and compacted, big numbers intact', async () => {
      const peer = new ScriptedPeer();
      const qmp = await connected(peer, (cmd) =>
        `{"return": {"size": 18446744073709551615, "name": "a b"}, "id": ${JSON.stringify(cmd.id)}}\r\n`,
      );
      const reply = await qmp.executeRaw('{"execute":"qom-get","arguments":{"path":"/objects/m","property":"size"}}');
      expect(peer.written[1]).toBe('{"execute":"qom-get","arguments":{"path":"/objects/m","property":"size"},"id":"virtform-2"}\r');
      expect(reply.text).toBe('{"return": {"size": 18446744073709551615, "name": "a b"}, "id": "virtform-2"}');
      expect(reply.compact).toBe('{"return":{"size":18446744073709551615,"name":"a b"},"id":"virtform-2"}');
      qmp.destroy();
    });

    it('keeps a user id and resolves (does not reject) with an error reply', async () => {
      const peer = new ScriptedPeer();
      const qmp = await connected(peer, (cmd) =>
        `{"id": ${JSON.stringify(cmd.id)}, "error": {"class": "CommandNotFound", "desc": "The command nope has not been found"}}\r\n`,
      );
      const reply = await qmp.executeRaw({ execute: 'nope', id: 42 });
      expect(reply.compact).toBe('{"id":42,"error":{"class":"CommandNotFound","desc":"The command nope has not been found"}}');
      qmp.destroy();
    });

    it('rejects input that is not a QMP command object, saying what to write', async () => {
      const peer = new ScriptedPeer();
      const qmp = await connected(peer);
      await expect(qmp.executeRaw('[1,2]')).rejects.toThrow(
        `the monitor command must be a JSON object such as '{"execute":"query-status"}', got: [1,2]`,
      );
      await expect(qmp.executeRaw('{"arguments":{}}')).rejects.toThrow(
        `the monitor command has no "execute" member: {"arguments":{}}; write '{"execute":"COMMAND","arguments":{...}}'`,
      );
      await expect(qmp.executeRaw('{execute')).rejects.toThrow(/^the monitor command is not valid JSON \(/);
      qmp.destroy();
    });
  });

  it('compactJson leaves whitespace and escapes inside strings alone', () => {
    expect(compactJson('{ "a" : "x \\" y" ,\r\n "b": [ 1 , 2 ] }')).toBe('{"a":"x \\" y","b":[1,2]}');
  });
});

const noQemu = missingBinaryReason(QEMU_X86_64);

describeUnless(noQemu)('QmpClient against a real QEMU (-machine none -S)', () => {
  let vm: RunningQemu;

  beforeEach(async () => {
    vm = await startQemu(['-machine', 'none', '-S', '-nodefaults', '-no-user-config', '-display', 'none']);
  });
  afterEach(async () => {
    await vm.stop();
  });

  it('handshakes and reports the same version as --version', async () => {
    const qmp = await QmpClient.connect(await connectUnix(vm.qmpSocket), { label: vm.qmpSocket });
    // e.g. "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"
    const m = /^QEMU emulator version (\d+)\.(\d+)\.(\d+)(?: \((.*)\))?$/.exec(await qemuVersionLine());
    expect(m).not.toBeNull();
    expect(qmp.greeting.version.qemu).toEqual({ major: Number(m![1]), minor: Number(m![2]), micro: Number(m![3]) });
    expect(qmp.greeting.version.package).toBe(m![4] ?? '');
    expect(await qmp.execute('query-status')).toEqual({ status: 'prelaunch', singlestep: false, running: false });
    await qmp.close();
  });

  it('reports QEMU errors with class and description', async () => {
    const qmp = await QmpClient.connect(await connectUnix(vm.qmpSocket));
    const e1 = await rejection(qmp.execute('no-such-command'));
    expect(e1).toMatchObject({ command: 'no-such-command', errorClass: 'CommandNotFound', desc: 'The command no-such-command has not been found' });
    const e2 = await rejection(qmp.execute('device_add', { driver: 'no-such-device' }));
    expect(e2).toMatchObject({ command: 'device_add', errorClass: 'GenericError', desc: "'no-such-device' is not a valid device model name" });
    await qmp.close();
  });

  it('passes a raw command through and prints the reply as virsh does', async () => {
    const qmp = await QmpClient.connect(await connectUnix(vm.qmpSocket));
    const reply = await qmp.executeRaw('{"execute":"query-status"}');
    expect(reply.compact).toBe('{"return":{"status":"prelaunch","singlestep":false,"running":false},"id":"virtform-2"}');
    await qmp.close();
  });

  it('sees the SHUTDOWN event of quit before the connection closes', async () => {
    const qmp = await QmpClient.connect(await connectUnix(vm.qmpSocket));
    const down = qmp.waitForEvent('SHUTDOWN', { timeoutMs: 5000 });
    expect(await qmp.execute('quit')).toEqual({});
    const ev = await down;
    expect(ev.data).toEqual({ guest: false, reason: 'host-qmp-quit' });
    expect((await qmp.closed).message).toMatch(/^the monitor (closed the connection|connection closed) \(the QMP monitor\)$/);
    expect(await waitForExit(vm.pid, 5000)).toBe(true);
  });

  it('rejects a command in flight when QEMU dies before answering', async () => {
    const qmp = await QmpClient.connect(await connectUnix(vm.qmpSocket), { label: 'probe monitor' });
    process.kill(vm.pid, 'SIGSTOP'); // QEMU cannot answer from here on
    const pending = rejection(qmp.execute('query-status'));
    await new Promise((r) => setTimeout(r, 50));
    process.kill(vm.pid, 'SIGKILL');
    const err = await pending;
    expect(err).toBeInstanceOf(QmpClosedError);
    expect(err.command).toBe('query-status');
    expect(err.message).toMatch(/^the monitor (closed the connection|connection closed) \(probe monitor\) before QEMU answered 'query-status'$/);
    expect(await waitForExit(vm.pid, 5000)).toBe(true);
    expect(processAlive(vm.pid)).toBe(false);
    expect(fs.existsSync(vm.dir)).toBe(true);
  });
});

describeUnless(noQemu)('runMonitorCommand (qemu-monitor-command) against a real QEMU', () => {
  it('prints the reply as virsh does and releases the monitor for the next client', async () => {
    const vm = await startQemu(['-machine', 'none', '-S', '-nodefaults', '-no-user-config', '-display', 'none']);
    try {
      const host = { hostLabel: 'localhost', connectUnix };
      expect(await runMonitorCommand(host, vm.qmpSocket, '{"execute":"query-status"}')).toBe(
        '{"return":{"status":"prelaunch","singlestep":false,"running":false},"id":"virtform-2"}',
      );
      expect(await runMonitorCommand(host, vm.qmpSocket, '{"execute":"query-name","id":"mine"}')).toBe('{"return":{},"id":"mine"}');
      expect(await runMonitorCommand(host, vm.qmpSocket, '{"execute":"bogus"}')).toBe(
        '{"id":"virtform-2","error":{"class":"CommandNotFound","desc":"The command bogus has not been found"}}',
      );
    } finally {
      await vm.stop();
    }
  });
});
