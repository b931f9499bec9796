/**
 * A QMP (QEMU Machine Protocol) client over any byte stream: a local unix socket, an SSH
 * direct-streamlocal channel, or a test double. It speaks the wire protocol only; it never starts
 * QEMU and never builds QEMU command lines.
 *
 * Wire facts this relies on (QEMU docs/interop/qmp-spec):
 * - The server speaks first: one greeting `{"QMP": {"version": ..., "capabilities": [...]}}`.
 * - Until `qmp_capabilities` succeeds only that command is accepted ("capabilities negotiation").
 * - Every message is one JSON object on one line, terminated by CRLF. Replies carry the request's
 *   `id` verbatim; events (`{"event", "data", "timestamp"}`) may arrive at any time, also between
 *   a command and its reply (e.g. SHUTDOWN arrives before the reply to `quit`).
 * - Without out-of-band execution (we never enable `oob`) QEMU answers commands in order.
 *
 * Invariants of this client:
 * - Every command it sends carries a unique id (`virtform-N`), so a reply is matched by id.
 * - When the stream ends or fails, every pending command and every event waiter rejects with a
 *   {@link QmpClosedError} that names the command, and later calls reject at once.
 */
import type { Duplex } from 'stream';

/** `{"qemu": {"major", "minor", "micro"}, "package"}` as sent in the greeting and by query-version. */
export interface QmpVersion {
  readonly qemu: { readonly major: number; readonly minor: number; readonly micro: number };
  readonly package: string;
}

export interface QmpGreeting {
  readonly version: QmpVersion;
  /** Optional server capabilities offered in the greeting, e.g. `["oob"]`. */
  readonly capabilities: readonly string[];
}

/** An asynchronous event. `timestamp` is the host wall clock at emission. */
export interface QmpEvent {
  readonly event: string;
  readonly data: Record<string, unknown>;
  readonly timestamp: { readonly seconds: number; readonly microseconds: number };
}

/** A reply exactly as parsed off the wire, for the passthrough (`qemu-monitor-command`). */
export interface QmpRawReply {
  /** The reply line as QEMU sent it, without the line terminator. */
  readonly text: string;
  /** The same reply with insignificant whitespace removed (virsh's output form); numbers keep their digits. */
  readonly compact: string;
  readonly value: Record<string, unknown>;
}

/** QEMU answered a command with `{"error": {"class", "desc"}}`. */
export class QmpCommandError extends Error {
  /** The QMP command that failed, e.g. `device_add`. */
  readonly command: string;
  /** QMP error class: `GenericError`, `CommandNotFound`, `DeviceNotFound`, `KVMMissingCap`, ... */
  readonly errorClass: string;
  /** QEMU's human-readable description, verbatim. */
  readonly desc: string;

  constructor(command: string, errorClass: string, desc: string) {
    super(`QMP command '${command}' failed: ${errorClass}: ${desc}`);
    this.name = 'QmpCommandError';
    this.command = command;
    this.errorClass = errorClass;
    this.desc = desc;
  }
}

/** The monitor connection closed (QEMU exited, the socket or SSH channel dropped). */
export class QmpClosedError extends Error {
  /** The command that was waiting for its reply, if any. */
  readonly command?: string;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'QmpClosedError';
    this.command = command;
  }
}

/** No reply or event arrived in time. The connection stays usable. */
export class QmpTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QmpTimeoutError';
  }
}

/** The peer broke the protocol: a line that is not JSON, a missing greeting, an unmatched reply. */
export class QmpProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QmpProtocolError';
  }
}

export interface QmpConnectOptions {
  /** Where the monitor is, for error messages: `/run/virtform/db/qmp.sock on h1`. */
  readonly label?: string;
  /** Milliseconds to wait for the greeting and for `qmp_capabilities`. @default 10000 */
  readonly timeoutMs?: number;
}

export interface QmpExecuteOptions {
  /** Reject with {@link QmpTimeoutError} after this many milliseconds. @default no timeout */
  readonly timeoutMs?: number;
}

export interface QmpWaitOptions {
  /** Reject with {@link QmpTimeoutError} after this many milliseconds. @default no timeout */
  readonly timeoutMs?: number;
  /** Only events for which this returns true resolve the wait. */
  readonly match?: (event: QmpEvent) => boolean;
}

type EventHandler = (event: QmpEvent) => void;

interface Pending {
  readonly command: string;
  readonly raw: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

interface Waiter {
  readonly reject: (err: Error) => void;
}

/**
 * One QMP session. Create it with {@link QmpClient.connect}, which completes the handshake.
 * Not safe to share between processes; safe to use concurrently from one event loop.
 */
export class QmpClient {
  /** The greeting QEMU sent on connect. */
  readonly greeting: QmpGreeting;
  /** Where the monitor is, used in error messages. */
  readonly label: string;

  private readonly stream: Duplex;
  private readonly pending = new Map<string, Pending>();
  private readonly handlers = new Map<string, Set<EventHandler>>();
  private readonly waiters = new Set<Waiter>();
  private readonly framer: LineFramer;
  private nextId = 1;
  private closedError: QmpClosedError | undefined;
  private readonly closedPromise: Promise<QmpClosedError>;
  private resolveClosed!: (err: QmpClosedError) => void;

  /**
   * Reads the greeting, sends `qmp_capabilities` and resolves once QEMU accepted it. The stream
   * is destroyed if the handshake fails.
   */
  static async connect(stream: Duplex, opts: QmpConnectOptions = {}): Promise<QmpClient> {
    const label = opts.label ?? 'the QMP monitor';
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const framer = new LineFramer();
    let greeting: QmpGreeting;
    try {
      const line = await readFirstLine(stream, framer, label, timeoutMs);
      greeting = parseGreeting(line, label);
    } catch (e) {
      stream.destroy();
      throw e;
    }
    const client = new QmpClient(stream, framer, greeting, label);
    try {
      const negotiated = client.execute('qmp_capabilities', undefined, { timeoutMs });
      // Lines that came in the greeting's chunk are handled once the command is registered.
      for (const line of framer.drain()) client.onLine(line);
      await negotiated;
    } catch (e) {
      client.destroy();
      throw e;
    }
    return client;
  }

  private constructor(stream: Duplex, framer: LineFramer, greeting: QmpGreeting, label: string) {
    this.stream = stream;
    this.framer = framer;
    this.greeting = greeting;
    this.label = label;
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    stream.on('data', (chunk: Buffer | string) => this.onData(chunk));
    stream.on('end', () => this.onClosed('the monitor closed the connection'));
    stream.on('close', () => this.onClosed('the monitor connection closed'));
    stream.on('error', (err: NodeJS.ErrnoException) =>
      // A peer that exits (QEMU quits or is killed) shows up as a reset on unix sockets.
      this.onClosed(err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'the monitor closed the connection' : `the monitor connection failed: ${err.message}`),
    );
  }

  /** True once the connection is gone; every call then rejects with {@link QmpClosedError}. */
  get isClosed(): boolean {
    return this.closedError !== undefined;
  }

  /** Resolves (never rejects) once the connection is gone, with the reason. */
  get closed(): Promise<QmpClosedError> {
    return this.closedPromise;
  }

  /**
   * Runs one command and resolves with its `return` value. Rejects with
   * {@link QmpCommandError} when QEMU answers with an error.
   */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, opts: QmpExecuteOptions = {}): Promise<T> {
    const id = `virtform-${this.nextId++}`;
    const message: Record<string, unknown> = { execute: command };
    if (args !== undefined) message.arguments = args;
    message.id = id;
    return this.send(JSON.stringify(message), JSON.stringify(id), command, false, opts.timeoutMs) as Promise<T>;
  }

  /**
   * The passthrough behind `virtform qemu-monitor-command NAME JSON`: sends a command the user
   * wrote and resolves with QEMU's reply as it came, error replies included (they do not reject).
   * An `id` is added when the command has none, as libvirt does; a given id is kept.
   */
  async executeRaw(json: string | Record<string, unknown>, opts: QmpExecuteOptions = {}): Promise<QmpRawReply> {
    let message: unknown;
    if (typeof json === 'string') {
      try {
        message = JSON.parse(json);
      } catch (e) {
        throw new QmpProtocolError(
          `the monitor command is not valid JSON (${(e as Error).message}): ${json}; ` +
            `write a QMP command object such as '{"execute":"query-status"}'`,
        );
      }
    } else {
      message = json;
    }
    if (message === null || typeof message !== 'object' || Array.isArray(message)) {
      throw new QmpProtocolError(`the monitor command must be a JSON object such as '{"execute":"query-status"}', got: ${JSON.stringify(message)}`);
    }
    const obj = { ...(message as Record<string, unknown>) };
    const command = typeof obj.execute === 'string' ? obj.execute : typeof obj['exec-oob'] === 'string' ? (obj['exec-oob'] as string) : undefined;
    if (command === undefined) {
      throw new QmpProtocolError(`the monitor command has no "execute" member: ${JSON.stringify(obj)}; write '{"execute":"COMMAND","arguments":{...}}'`);
    }
    if (!('id' in obj)) obj.id = `virtform-${this.nextId++}`;
    const key = JSON.stringify(obj.id);
    if (this.pending.has(key)) {
      throw new QmpProtocolError(`the id ${key} is already used by a command in flight; choose another id or leave it out`);
    }
    return (await this.send(JSON.stringify(obj), key, command, true, opts.timeoutMs)) as QmpRawReply;
  }

  /**
   * Calls `handler` for each event named `name` (or every event for `'*'`).
   * @returns a function that removes the handler
   */
  onEvent(name: string, handler: (event: QmpEvent) => void): () => void {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    set.add(handler);
    return () => {
      set!.delete(handler);
    };
  }

  /**
   * Resolves with the next event named `name` that passes `opts.match`. Only events that arrive
   * after this call count: call it before the command that causes the event, e.g.
   * `const down = qmp.waitForEvent('SHUTDOWN'); await qmp.execute('system_powerdown'); await down;`
   */
  waitForEvent(name: string, opts: QmpWaitOptions = {}): Promise<QmpEvent> {
    if (this.closedError) {
      return Promise.reject(new QmpClosedError(`${this.closedError.message} while waiting for event ${name}`));
    }
    return new Promise<QmpEvent>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        off();
        if (timer) clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: Waiter = {
        reject: (err) => {
          finish();
          reject(new QmpClosedError(`${err.message} while waiting for event ${name}`));
        },
      };
      const off = this.onEvent(name, (event) => {
        if (opts.match && !opts.match(event)) return;
        finish();
        resolve(event);
      });
      this.waiters.add(waiter);
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          finish();
          reject(new QmpTimeoutError(`no ${name} event from ${this.label} within ${opts.timeoutMs} ms`));
        }, opts.timeoutMs);
      }
    });
  }

  /** Ends the session politely (half-close) and resolves once the stream is closed. */
  async close(): Promise<void> {
    if (this.closedError) return;
    this.stream.end();
    const timer = setTimeout(() => this.stream.destroy(), 2000);
    await this.closedPromise;
    clearTimeout(timer);
  }

  /** Drops the connection at once; pending calls reject with {@link QmpClosedError}. */
  destroy(): void {
    this.stream.destroy();
    this.onClosed('the monitor connection was closed by virtform');
  }

  private send(line: string, key: string, command: string, raw: boolean, timeoutMs: number | undefined): Promise<unknown> {
    if (this.closedError) {
      return Promise.reject(new QmpClosedError(`${this.closedError.message}; cannot send '${command}'`, command));
    }
    return new Promise((resolve, reject) => {
      const entry: Pending = { command, raw, resolve, reject };
      if (timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          this.pending.delete(key);
          reject(new QmpTimeoutError(`no reply to '${command}' from ${this.label} within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.pending.set(key, entry);
      this.stream.write(line + '\r\n');
    });
  }

  private onData(chunk: Buffer | string): void {
    for (const line of this.framer.push(chunk)) this.onLine(line);
  }

  private onLine(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.failAll(new QmpProtocolError(`${this.label} sent a line that is not JSON: ${truncate(text)}`));
      this.stream.destroy();
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    const msg = value as Record<string, unknown>;
    if (typeof msg.event === 'string') {
      this.dispatchEvent(msg);
      return;
    }
    if (!('return' in msg) && !('error' in msg)) return; // e.g. a second greeting: not ours to answer
    const key = 'id' in msg ? JSON.stringify(msg.id) : this.oldestPendingKey();
    if (key === undefined) return;
    const entry = this.pending.get(key);
    if (!entry) return; // a reply to a command that already timed out
    this.pending.delete(key);
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.raw) {
      entry.resolve({ text, compact: compactJson(text), value: msg } satisfies QmpRawReply);
    } else if ('error' in msg) {
      const err = (msg.error ?? {}) as { class?: unknown; desc?: unknown };
      entry.reject(new QmpCommandError(entry.command, String(err.class ?? 'GenericError'), String(err.desc ?? '')));
    } else {
      entry.resolve(msg.return);
    }
  }

  /** QEMU answers without an id only when it could not read one (e.g. a JSON parse error): that is the oldest command. */
  private oldestPendingKey(): string | undefined {
    for (const key of this.pending.keys()) return key;
    return undefined;
  }

  private dispatchEvent(msg: Record<string, unknown>): void {
    const event: QmpEvent = {
      event: msg.event as string,
      data: (msg.data && typeof msg.data === 'object' ? msg.data : {}) as Record<string, unknown>,
      timestamp: (msg.timestamp ?? { seconds: 0, microseconds: 0 }) as QmpEvent['timestamp'],
    };
    for (const name of [event.event, '*']) {
      const set = this.handlers.get(name);
      if (!set) continue;
      for (const handler of [...set]) handler(event);
    }
  }

  private onClosed(reason: string): void {
    if (this.closedError) return;
    // Lines already received are still delivered (e.g. a reply just before EOF).
    this.closedError = new QmpClosedError(`${reason} (${this.label})`);
    this.failAll(this.closedError);
    this.resolveClosed(this.closedError);
  }

  private failAll(reason: Error): void {
    for (const [key, entry] of this.pending) {
      this.pending.delete(key);
      if (entry.timer) clearTimeout(entry.timer);
      if (reason instanceof QmpClosedError) {
        entry.reject(new QmpClosedError(`${reason.message} before QEMU answered '${entry.command}'`, entry.command));
      } else {
        entry.reject(reason);
      }
    }
    for (const waiter of [...this.waiters]) waiter.reject(reason);
  }
}

/** Splits a byte stream into lines; handles CRLF and lines split across chunks. UTF-8 safe. */
class LineFramer {
  private buffered: Buffer = Buffer.alloc(0);
  private ready: string[] = [];

  push(chunk: Buffer | string): string[] {
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.buffered = this.buffered.length === 0 ? data : Buffer.concat([this.buffered, data]);
    let start = 0;
    let nl: number;
    while ((nl = this.buffered.indexOf(0x0a, start)) !== -1) {
      const line = this.buffered.toString('utf8', start, nl).replace(/\r$/, '');
      if (line.trim() !== '') this.ready.push(line);
      start = nl + 1;
    }
    this.buffered = this.buffered.subarray(start);
    return this.drain();
  }

  /** Puts complete lines back, in front of anything read later. */
  requeue(lines: string[]): void {
    this.ready = [...lines, ...this.ready];
  }

  drain(): string[] {
    const out = this.ready;
    this.ready = [];
    return out;
  }
}

function readFirstLine(stream: Duplex, framer: LineFramer, label: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onError);
    };
    const onData = (chunk: Buffer | string): void => {
      const lines = framer.push(chunk);
      if (lines.length === 0) return;
      cleanup();
      framer.requeue(lines.slice(1)); // events that followed the greeting belong to the client
      resolve(lines[0]);
    };
    const onEnd = (): void => {
      cleanup();
      reject(new QmpClosedError(`${label} closed before sending the QMP greeting; is QEMU running and is this its QMP socket?`));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new QmpClosedError(`${label}: ${err.message} before the QMP greeting`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new QmpTimeoutError(`${label} sent no QMP greeting within ${timeoutMs} ms; another client may hold the monitor (QMP serves one client at a time)`));
    }, timeoutMs);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onError);
  });
}

function parseGreeting(line: string, label: string): QmpGreeting {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new QmpProtocolError(`${label} did not send a QMP greeting but: ${truncate(line)}`);
  }
  const qmp = (value as { QMP?: { version?: QmpVersion; capabilities?: string[] } } | null)?.QMP;
  if (!qmp || !qmp.version || !qmp.version.qemu) {
    throw new QmpProtocolError(`${label} did not send a QMP greeting but: ${truncate(line)}`);
  }
  return { version: qmp.version, capabilities: Array.isArray(qmp.capabilities) ? qmp.capabilities : [] };
}

/**
 * Removes whitespace outside strings from one JSON text, keeping every other character,
 * so numbers beyond 2^53 keep their digits (JSON.parse + stringify would round them).
 */
export function compactJson(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') {
      out += c;
    }
  }
  return out;
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}
