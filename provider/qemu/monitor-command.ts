/**
 * `virtform qemu-monitor-command NAME JSON`: one QMP command typed by a user, sent to a running
 * domain's monitor, with QEMU's reply printed as virsh prints it (compact JSON, `return` or
 * `error` plus the `id`). QEMU error replies are output, not failures, as in virsh.
 */
import type { Transport } from '../host/transport';
import { QmpClient } from './qmp';

/**
 * Connects to the monitor at `qmpSocket` on the host, runs `json` and returns the reply line
 * (without a trailing newline). The monitor serves one client at a time: this holds it only for
 * the duration of the command.
 */
export async function runMonitorCommand(
  host: Pick<Transport, 'hostLabel' | 'connectUnix'>,
  qmpSocket: string,
  json: string,
  opts: { readonly timeoutMs?: number } = {},
): Promise<string> {
  const label = `the QMP monitor ${qmpSocket} on ${host.hostLabel}`;
  const qmp = await QmpClient.connect(await host.connectUnix(qmpSocket), { label, timeoutMs: opts.timeoutMs });
  try {
    return (await qmp.executeRaw(json, { timeoutMs: opts.timeoutMs })).compact;
  } finally {
    await qmp.close();
  }
}
