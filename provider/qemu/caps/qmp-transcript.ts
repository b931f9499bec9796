/**
 * Recorded QMP conversations in libvirt's `.replies` format (tests/qemucapabilitiesdata): a
 * sequence of pretty-printed JSON objects, each command followed by QEMU's reply. A new
 * `qmp_capabilities` starts a new session (libvirt probes once per accelerator: KVM, then TCG).
 *
 * A transcript answers a probe's questions without a QEMU: {@link transcriptAsk} looks commands up
 * by name and arguments, in any order, so our probe can run over libvirt's recordings.
 */
import { QmpCommandError } from '../qmp';

export interface QmpExchange {
  readonly command: string;
  readonly args?: Record<string, unknown>;
  /** The whole reply object: `{return, id}` or `{error, id}`. */
  readonly reply: Record<string, unknown>;
}

export type QmpTranscriptSession = readonly QmpExchange[];

/** Answers one QMP command: resolves with `return`, rejects with QmpCommandError. */
export type QmpAsk = (command: string, args?: Record<string, unknown>) => Promise<unknown>;

/** Splits a `.replies` text into sessions of command/reply pairs. */
export function parseQmpTranscript(text: string): QmpTranscriptSession[] {
  const values = splitJsonValues(text);
  const sessions: QmpExchange[][] = [];
  let current: QmpExchange[] | undefined;
  for (let i = 0; i < values.length; i += 2) {
    const cmd = values[i] as { execute?: unknown; arguments?: Record<string, unknown> };
    const reply = values[i + 1] as Record<string, unknown> | undefined;
    if (typeof cmd.execute !== 'string' || reply === undefined) {
      throw new Error(`QMP transcript: expected a command followed by its reply at object ${i + 1}`);
    }
    if (cmd.execute === 'qmp_capabilities' || current === undefined) sessions.push((current = []));
    current.push({ command: cmd.execute, args: cmd.arguments, reply });
  }
  return sessions;
}

/** An answerer over one recorded session. Unrecorded commands fail like an unknown QMP command. */
export function transcriptAsk(session: QmpTranscriptSession): QmpAsk {
  const byKey = new Map<string, Record<string, unknown>>();
  for (const x of session) byKey.set(key(x.command, x.args), x.reply);
  return async (command, args) => {
    const reply = byKey.get(key(command, args));
    if (reply === undefined) {
      throw new QmpCommandError(command, 'CommandNotFound', `not recorded in the transcript: ${command} ${JSON.stringify(args ?? {})}`);
    }
    if ('error' in reply) {
      const err = reply.error as { class?: string; desc?: string };
      throw new QmpCommandError(command, String(err.class), String(err.desc));
    }
    return reply.return;
  };
}

function key(command: string, args: Record<string, unknown> | undefined): string {
  return `${command} ${canonicalJson(args ?? {})}`;
}

function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Top-level JSON values of a text that holds several, separated by whitespace. */
function splitJsonValues(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if (c === '}' || c === ']') {
      if (--depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
    }
  }
  return out;
}
