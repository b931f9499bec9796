/**
 * `virtform qemu-monitor-command [-c URI] NAME JSON`: sends one QMP command to a running
 * domain's monitor and prints QEMU's reply as virsh does (compact JSON, `return` or `error`
 * plus the `id`; an error reply is output, not a failure). Words after NAME are joined with
 * spaces, so the JSON may be given unquoted in pieces. The monitor is held only for the command.
 */
import type { Command } from 'commander';
import { DomainError, openDomainHost, probeLiveness, readRunDir } from '../../provider/executor/domain';
import { runMonitorCommand } from '../../provider/qemu/monitor-command';
import { VirtformError } from '../errors';
import type { CliIo } from '../main';

export function register(program: Command, io: CliIo): void {
  program
    .command('qemu-monitor-command')
    .description("Send a QMP command to a running domain's monitor and print QEMU's reply")
    .argument('<name>', 'domain name')
    .argument('<json...>', 'the QMP command, e.g. \'{"execute":"query-status"}\'')
    .option('-c, --connect <uri>', 'connection URI (default: qemu:///embed?root=./.virtform)')
    .option('--pretty', 'print the reply indented')
    .option('--timeout <seconds>', 'wait this long for the monitor and the reply', '30')
    .action(async (name: string, json: string[], opts: { connect?: string; pretty?: boolean; timeout: string }) => {
      const timeoutS = Number(opts.timeout);
      if (!(timeoutS > 0)) throw new VirtformError(`--timeout '${opts.timeout}' must be a positive number of seconds`);
      const h = await openDomainHost(opts.connect);
      try {
        const run = await readRunDir(h, name);
        const where = `${h.transport.hostLabel}: domain '${name}'`;
        if (!run.dirExists) throw new VirtformError(`${where} is not running (no ${run.paths.dir})`);
        if (!run.record) throw new VirtformError(`${where}: ${run.recordError ?? `${run.paths.statusFile} is missing`}`);
        const live = run.record.phase === 'exited' ? { alive: false, why: run.record.exit?.reason } : await probeLiveness(h, run.record, run.pidFromFile);
        if (!live.alive) throw new VirtformError(`${where} is not running: ${live.why ?? 'QEMU exited'}`);
        const reply = await runMonitorCommand(h.transport, run.record.qmpSocket, json.join(' '), { timeoutMs: Math.round(timeoutS * 1000) });
        io.out((opts.pretty ? JSON.stringify(JSON.parse(reply), null, 2) : reply) + '\n');
      } catch (e) {
        if (e instanceof DomainError) throw new VirtformError(e.message);
        throw e;
      } finally {
        await h.transport.close();
      }
    });
}
