/**
 * `virtform status [-c URI] [--json]`: the domains with a run directory on the host, each
 * reconnected (PID-reuse guard, QMP query-status, live thread ids) with its vCPU affinities
 * read from /proc. --json prints exactly
 *   {"domains":[{"name","state","pid","qmpSocket","vcpus":[{"index","threadId","affinity"}]}]}
 * Reconnecting can clean up: a QEMU whose guest powered off is stopped, a half-started one is
 * killed, a gone one is recorded as shut off (see provider/executor/domain/reconnect.ts).
 */
import type { Command } from 'commander';
import { domainStatuses, openDomainHost, type DomainStatusEntry } from '../../provider/executor/domain';
import type { CliIo } from '../main';

export function register(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('Show the running domains: state, pid, QMP socket, vCPU threads and their CPU affinity')
    .option('-c, --connect <uri>', 'connection URI (default: qemu:///embed?root=./.virtform)')
    .option('--json', 'print {"domains":[{name,state,pid,qmpSocket,vcpus:[{index,threadId,affinity}]}]}')
    .action(async (opts: { connect?: string; json?: boolean }) => {
      const h = await openDomainHost(opts.connect);
      try {
        const entries = await domainStatuses(h);
        for (const e of entries) if (e.error) io.err(`warning: ${e.error}\n`);
        if (opts.json) io.out(JSON.stringify({ domains: entries.map((e) => e.view) }, null, 2) + '\n');
        else io.out(formatStatusTable(entries, h.transport.hostLabel));
      } finally {
        await h.transport.close();
      }
    });
}

/** The human form: one row per domain, then a detail line when there is something to explain. Pure. */
export function formatStatusTable(entries: readonly DomainStatusEntry[], hostLabel: string): string {
  if (entries.length === 0) return `No domains on ${hostLabel}.\n`;
  const rows = entries.map((e) => [
    e.view.name,
    e.view.state,
    e.view.pid === null ? '-' : String(e.view.pid),
    e.view.vcpus.length ? e.view.vcpus.map((v) => `${v.index}:${v.threadId}@${v.affinity ?? '?'}`).join(' ') : '-',
    e.view.qmpSocket,
  ]);
  const head = ['NAME', 'STATE', 'PID', 'VCPUS (index:thread@cpus)', 'QMP SOCKET'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ') + '\n';
  let out = line(head);
  entries.forEach((e, i) => {
    out += line(rows[i]);
    const rt = e.runtime;
    if (e.error) out += `  error: ${e.error}\n`;
    if (rt && rt.reason !== rt.state) out += `  reason: ${rt.reason}\n`;
    if (rt && rt.state !== 'shutoff' && rt.record.cgroup?.kind === 'none') out += `  pinning: ${rt.record.cgroup.note}\n`;
  });
  return out;
}
