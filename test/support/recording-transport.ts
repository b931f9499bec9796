/**
 * A Transport wrapper for tests: forwards every call to a real transport and records it, and
 * can make calls fail from a chosen one on, as a connection that drops mid-operation would
 * (every later call fails too). The code under test runs unchanged on top of it.
 */
import type { Duplex } from 'stream';
import { HostError, type ExecOptions, type ExecResult, type HostProcess, type Transport } from '../../provider/host';

export type RecordedCall =
  | { readonly op: 'exec' | 'spawn'; readonly argv: readonly string[] }
  | { readonly op: 'readFiles'; readonly paths: readonly string[] }
  | { readonly op: 'readFile' | 'writeFile' | 'connectUnix'; readonly path: string };

export class RecordingTransport implements Transport {
  readonly calls: RecordedCall[] = [];
  private dropped = false;

  /**
   * @param inner the real transport; null for one that must never be used (every call throws).
   * @param dropWhen returns true for the call at which the connection "drops".
   */
  constructor(
    private readonly inner: Transport | null,
    private readonly dropWhen?: (call: RecordedCall) => boolean,
  ) {}

  get uri(): string {
    return this.inner?.uri ?? 'test://no-host';
  }

  get hostLabel(): string {
    return this.inner?.hostLabel ?? 'no-host';
  }

  /** The argv of every exec and spawn, in order. */
  get commands(): (readonly string[])[] {
    return this.calls.flatMap((c) => (c.op === 'exec' || c.op === 'spawn' ? [c.argv] : []));
  }

  private check(call: RecordedCall): Transport {
    this.calls.push(call);
    if (!this.inner) throw new Error(`the host was used: ${JSON.stringify(call)}`);
    if (!this.dropped && this.dropWhen?.(call)) this.dropped = true;
    if (this.dropped) throw new HostError('CONNECTION_LOST', `${this.inner.hostLabel}: connection lost (simulated by the test at ${JSON.stringify(call)})`);
    return this.inner;
  }

  async exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    return this.check({ op: 'exec', argv: [...argv] }).exec(argv, opts);
  }

  async spawn(argv: readonly string[], opts?: Omit<ExecOptions, 'stdin' | 'timeoutMs'>): Promise<HostProcess> {
    return this.check({ op: 'spawn', argv: [...argv] }).spawn(argv, opts);
  }

  async connectUnix(path: string): Promise<Duplex> {
    return this.check({ op: 'connectUnix', path }).connectUnix(path);
  }

  async readFile(path: string): Promise<Buffer> {
    return this.check({ op: 'readFile', path }).readFile(path);
  }

  async readFiles(paths: readonly string[]): Promise<Map<string, Buffer | null>> {
    return this.check({ op: 'readFiles', paths: [...paths] }).readFiles(paths);
  }

  async writeFile(path: string, data: Buffer | string, mode?: number): Promise<void> {
    return this.check({ op: 'writeFile', path }).writeFile(path, data, mode);
  }

  async close(): Promise<void> {
    // The inner transport belongs to the test.
  }
}
