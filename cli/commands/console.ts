/**
 * `virtform console NAME [-c URI]`: the domain's serial console, relayed from the unix socket
 * chardev the launch gave it (`<run>/NAME/console.sock`) over the transport (a local socket, or
 * an SSH direct-streamlocal channel). On a terminal, input is raw (keys go to the guest as
 * typed). `Ctrl-]` ends the session, as in virsh; so does the domain stopping.
 */
import type { Command } from 'commander';
import { StringDecoder } from 'string_decoder';
import type { ReadStream } from 'tty';
import { openDomainHost, probeLiveness, readRunDir } from '../../provider/executor/domain';
import { VirtformError } from '../errors';
import type { CliIo } from '../main';

/** Ctrl-] (GS, 0x1d): the escape byte. */
export const CONSOLE_ESCAPE = 0x1d;

export function register(program: Command, io: CliIo): void {
  program
    .command('console')
    .description("Connect to a running domain's serial console (Ctrl-] to leave)")
    .argument('<name>', 'domain name')
    .option('-c, --connect <uri>', 'connection URI (default: qemu:///embed?root=./.virtform)')
    .action(async (name: string, opts: { connect?: string }) => {
      const h = await openDomainHost(opts.connect);
      try {
        const run = await readRunDir(h, name);
        const where = `${h.transport.hostLabel}: domain '${name}'`;
        if (!run.dirExists) throw new VirtformError(`${where} is not running (no ${run.paths.dir})`);
        if (!run.record) throw new VirtformError(`${where}: ${run.recordError ?? `${run.paths.statusFile} is missing`}`);
        const live = run.record.phase === 'exited' ? { alive: false, why: run.record.exit?.reason } : await probeLiveness(h, run.record, run.pidFromFile);
        if (!live.alive) throw new VirtformError(`${where} is not running: ${live.why ?? 'QEMU exited'}`);
        const socketPath = run.record.consoleSocket;
        if (socketPath === null) {
          throw new VirtformError(`${where} has no serial console socket: it was launched without one (give its serial a unix socket chardev on ${run.paths.consoleSocket})`);
        }
        const sock = await h.transport.connectUnix(socketPath);
        io.err(`Connected to domain '${name}'\nEscape character is ^] (Ctrl + ])\n`);
        await relay(sock, io);
      } finally {
        await h.transport.close();
      }
    });
}

/** Copies socket → output and input → socket until Ctrl-] or the socket closes. */
function relay(sock: NodeJS.ReadWriteStream & { destroy(): void }, io: CliIo): Promise<void> {
  return new Promise((resolve) => {
    const stdin = io.stdin;
    const tty = stdin as Partial<ReadStream> | undefined;
    const raw = tty?.isTTY === true && typeof tty.setRawMode === 'function';
    if (raw) tty.setRawMode!(true);
    const decoder = new StringDecoder('utf8');
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (stdin) {
        stdin.removeListener('data', onInput);
        stdin.pause();
      }
      if (raw) tty.setRawMode!(false);
      const rest = decoder.end();
      if (rest && !io.stdout) io.out(rest);
      sock.destroy();
      io.err('\n');
      resolve();
    };
    const onInput = (chunk: Buffer | string): void => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const esc = b.indexOf(CONSOLE_ESCAPE);
      if (esc >= 0) {
        if (esc > 0) sock.write(b.subarray(0, esc));
        finish();
        return;
      }
      sock.write(b);
    };
    sock.on('data', (d: Buffer) => {
      if (io.stdout) io.stdout.write(d);
      else io.out(decoder.write(d));
    });
    sock.on('end', finish);
    sock.on('close', finish);
    sock.on('error', finish);
    if (stdin) {
      stdin.on('data', onInput);
      stdin.resume();
    }
  });
}
