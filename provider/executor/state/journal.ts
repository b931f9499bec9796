/**
 * The journal of an apply's in-flight steps, on the host: `<stateDir>/journal/<applyId>.jsonl`
 * while the apply runs or after it was interrupted, `<stateDir>/journal/finished/<applyId>.jsonl`
 * once it ended. The format is described in journal-replay.ts.
 *
 * The apply engine calls `started` before touching the host for a step (with what it needs
 * to undo it), then `done` or `failed`. After an interrupted apply, `listInterruptedApplies`
 * gives each unfinished journal with every step's last state; the engine decides to resume
 * (skip done steps, re-check in-flight ones) or roll back (`undoOrder`), then calls `finish`.
 *
 * Invariants:
 * - Appends happen only while the host lock is held (assertHeld before each line).
 * - Each line is appended with O_APPEND and fsync'd before the call returns (`dd
 *   oflag=append conv=notrunc,fsync`), so a line the engine was told is written survives a
 *   host crash, and a crash mid-write can only cut the last line (reported as torn).
 * - Journal lines never carry secrets: an `undo` or `result` with a key that names one
 *   (password, passwd, secret, token, private key) is refused before anything is written.
 * - Journal files are mode 0600 in a 0700 directory.
 */
import { randomBytes } from 'crypto';
import * as path from 'path';
import { HostError, TransportHostFs, type Transport } from '../../host';
import { currentActor, type HostLock } from './host-lock';
import type { Actor } from './ownership-record';
import { checkEntryName, type ResourceRef } from './resource-ref';
import { StateError } from './state-error';
import { replayJournal, type ApplyOutcome, type ApplyRecord, type JournalLine, type JsonValue } from './journal-replay';

export interface BeginApplyOptions {
  readonly stack: string;
  /** What the user ran, e.g. `virtform apply`. */
  readonly command: string;
  /** Digest of the plan being applied, so a resume can check it applies the same plan. */
  readonly planHash?: string;
  readonly actor?: Actor;
  /** Clock for line times. Default: () => new Date(). */
  readonly now?: () => Date;
}

export interface StepStart {
  /** What the step does, e.g. `create-volume`. */
  readonly action: string;
  readonly resource?: ResourceRef;
  /** What reverses the step (engine-defined JSON). No secrets. */
  readonly undo?: JsonValue;
}

/** An apply recorded on the host, with its file and id. */
export interface JournalFile extends ApplyRecord {
  readonly applyId: string;
  readonly file: string;
}

export function journalDir(stateDir: string): string {
  return path.posix.join(stateDir, 'journal');
}

const SECRET_KEY = /pass(word|wd|phrase)?$|secret|token|private[-_ ]?key|credential/i;

/** Throws when a value to be journalled has a key naming a secret. */
export function assertNoSecrets(v: JsonValue | undefined, where: string, at = ''): void {
  if (v === null || v === undefined || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertNoSecrets(x, where, `${at}[${i}]`));
    return;
  }
  for (const [k, x] of Object.entries(v)) {
    if (SECRET_KEY.test(k)) {
      throw new TypeError(`${where}: key '${at ? at + '.' : ''}${k}' looks like a secret; journals are plain files and must not hold secrets. Record a reference to the secret (its name or UUID) instead.`);
    }
    assertNoSecrets(x, where, at ? `${at}.${k}` : k);
  }
}

export class Journal {
  private ended = false;

  private constructor(
    private readonly transport: Transport,
    private readonly lock: HostLock,
    readonly stateDir: string,
    readonly applyId: string,
    private readonly now: () => Date,
  ) {}

  /** The journal file while the apply runs. */
  get file(): string {
    return path.posix.join(journalDir(this.stateDir), `${this.applyId}.jsonl`);
  }

  /** Starts a new journal for an apply of `opts.stack`. */
  static async begin(transport: Transport, stateDir: string, lock: HostLock, opts: BeginApplyOptions): Promise<Journal> {
    checkEntryName(opts.stack, 'stack');
    lock.assertHeld(`start an apply of stack '${opts.stack}'`);
    const now = opts.now ?? (() => new Date());
    const at = now();
    const applyId = `${at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(4).toString('hex')}`;
    const j = new Journal(transport, lock, stateDir, applyId, now);
    const r = await transport.exec(['mkdir', '-p', '-m', '0700', '--', journalDir(stateDir), path.posix.join(journalDir(stateDir), 'finished')]);
    if (r.code !== 0) throw new StateError('COMMAND_FAILED', `${transport.hostLabel}: cannot create ${journalDir(stateDir)}: ${r.stderr.toString().trim()}`);
    await j.append({
      t: 'begin',
      applyId,
      stack: opts.stack,
      ...(opts.planHash !== undefined ? { planHash: opts.planHash } : {}),
      command: opts.command,
      by: opts.actor ?? currentActor(),
      at: at.toISOString(),
    });
    return j;
  }

  /** Continues appending to an interrupted apply's journal (to resume or roll it back). */
  static async resume(transport: Transport, stateDir: string, lock: HostLock, applyId: string, now: () => Date = () => new Date()): Promise<Journal> {
    checkEntryName(applyId, 'apply id');
    lock.assertHeld(`resume apply ${applyId}`);
    const j = new Journal(transport, lock, stateDir, applyId, now);
    const r = await transport.exec(['test', '-f', j.file]);
    if (r.code !== 0) throw new StateError('NOT_FOUND', `${transport.hostLabel}: there is no interrupted apply ${applyId} (${j.file} does not exist). List them with listInterruptedApplies.`);
    return j;
  }

  /** Records that a step is about to change the host, with its undo. */
  async started(id: string, step: StepStart): Promise<void> {
    assertNoSecrets(step.undo, `journal step '${id}' undo`);
    return this.append({ t: 'step', id, state: 'started', action: step.action, ...(step.resource ? { resource: step.resource } : {}), ...(step.undo !== undefined ? { undo: step.undo } : {}), at: this.time() });
  }

  /** Records that a step completed; `undo` may refine the one given at start. */
  async done(id: string, extra: { readonly result?: JsonValue; readonly undo?: JsonValue } = {}): Promise<void> {
    assertNoSecrets(extra.result, `journal step '${id}' result`);
    assertNoSecrets(extra.undo, `journal step '${id}' undo`);
    return this.append({ t: 'step', id, state: 'done', ...(extra.result !== undefined ? { result: extra.result } : {}), ...(extra.undo !== undefined ? { undo: extra.undo } : {}), at: this.time() });
  }

  /** Records that a step failed, with the error message (which must hold no secrets). */
  async failed(id: string, error: string | Error, extra: { readonly undo?: JsonValue } = {}): Promise<void> {
    assertNoSecrets(extra.undo, `journal step '${id}' undo`);
    const message = typeof error === 'string' ? error : error.message;
    return this.append({ t: 'step', id, state: 'failed', error: message, ...(extra.undo !== undefined ? { undo: extra.undo } : {}), at: this.time() });
  }

  /** Ends the apply and moves its journal to journal/finished/. */
  async finish(outcome: ApplyOutcome): Promise<void> {
    await this.append({ t: 'end', outcome, at: this.time() });
    this.ended = true;
    const dest = path.posix.join(journalDir(this.stateDir), 'finished', `${this.applyId}.jsonl`);
    const r = await this.transport.exec(['mv', '-f', '--', this.file, dest]);
    if (r.code !== 0) throw new StateError('COMMAND_FAILED', `${this.transport.hostLabel}: cannot move ${this.file} to ${dest}: ${r.stderr.toString().trim()}`);
  }

  /** The journal as recorded so far. */
  async read(): Promise<JournalFile> {
    const text = (await this.transport.readFile(this.file)).toString('utf8');
    return { applyId: this.applyId, file: this.file, ...replayJournal(text, this.file) };
  }

  private time(): string {
    return this.now().toISOString();
  }

  private async append(line: JournalLine): Promise<void> {
    if (this.ended) throw new Error(`journal ${this.applyId} has ended; start a new one`);
    this.lock.assertHeld(`write the journal ${this.file}`);
    const r = await this.transport.exec(['sh', '-c', 'umask 077; exec dd of="$1" oflag=append conv=notrunc,fsync status=none', 'sh', this.file], {
      stdin: JSON.stringify(line) + '\n',
    });
    if (r.code !== 0) throw new StateError('COMMAND_FAILED', `${this.transport.hostLabel}: cannot append to ${this.file}: ${r.stderr.toString().trim() || `exit ${r.code}`}`);
  }
}

/** Applies that began but never finished, oldest first; only `stack`'s when given. */
export async function listInterruptedApplies(transport: Transport, stateDir: string, opts: { readonly stack?: string } = {}): Promise<JournalFile[]> {
  const dir = journalDir(stateDir);
  let names: string[];
  try {
    names = await new TransportHostFs(transport).readdir(dir);
  } catch (e) {
    if (e instanceof HostError && e.code === 'NOT_FOUND') return [];
    throw e;
  }
  const files = names.filter((n) => n.endsWith('.jsonl') && !n.startsWith('.')).map((n) => path.posix.join(dir, n));
  const texts = await transport.readFiles(files);
  const out: JournalFile[] = [];
  for (const f of files) {
    const t = texts.get(f);
    if (!t) continue;
    const rec = replayJournal(t.toString('utf8'), f);
    if (rec.outcome !== undefined) continue;
    if (opts.stack !== undefined && rec.begin.stack !== opts.stack) continue;
    out.push({ applyId: rec.begin.applyId, file: f, ...rec });
  }
  return out;
}
