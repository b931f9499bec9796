/**
 * The one seam between virtform and a host. Everything the executor does on a host goes
 * through a Transport: local (embedded or system) or SSH (ssh2, one connection per host
 * carrying parallel channels).
 *
 * Invariants:
 * - Commands are always argv arrays. A transport that needs a shell line (SSH exec) builds it
 *   with `shellQuoteArgv` from ./quote; nothing else concatenates user values into a command.
 * - Paths are host paths; transports never rewrite them. `root=DIR` in a URI relocates
 *   virtform's state directories (uri.ts `hostPaths`), and the tests' host-root prefix (a
 *   fixture tree standing in for /sys, /proc) lives in HostFs and discoverHost, not here.
 * - A dropped connection fails every operation in flight with HostError('CONNECTION_LOST');
 *   nothing waits forever on a dead host. Implementations: LocalTransport, SshTransport.
 */
import type { Duplex } from 'stream';

export interface ExecOptions {
  /** Bytes written to the command's stdin, then stdin is closed. */
  readonly stdin?: Buffer | string;
  /** Kill the command (and reject) after this many milliseconds. */
  readonly timeoutMs?: number;
  /** Extra environment variables for the command. */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

export interface ExecResult {
  /** Exit status, or null when the command was killed by a signal. */
  readonly code: number | null;
  readonly signal?: string;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
}

/** A long-running command with its streams (serial console, dnsmasq in the foreground, ...). */
export interface HostProcess {
  readonly stdin: NodeJS.WritableStream;
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream;
  /**
   * Resolves with the exit status once the command ends. Rejects with
   * HostError('CONNECTION_LOST') if the connection drops first (the command's fate is unknown).
   */
  readonly exited: Promise<{ code: number | null; signal?: string }>;
  /** Sends signal (default SIGTERM) to the command and the processes it started (its process group, over SSH). */
  kill(signal?: NodeJS.Signals): void;
}

export interface Transport {
  /** What the user wrote after -c, normalised. */
  readonly uri: string;
  /** A short host name for messages: `localhost`, `h1.example.com`. */
  readonly hostLabel: string;

  /** Runs argv[0] with the remaining elements as separate arguments. Never throws for a non-zero exit. */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts argv and returns its streams. */
  spawn(argv: readonly string[], opts?: Omit<ExecOptions, 'stdin' | 'timeoutMs'>): Promise<HostProcess>;
  /** Opens a stream to a unix socket on the host (QMP, serial console). No TCP forwarding needed. */
  connectUnix(path: string): Promise<Duplex>;

  readFile(path: string): Promise<Buffer>;
  /** Reads many files in one round trip; a missing or unreadable file maps to null. */
  readFiles(paths: readonly string[]): Promise<Map<string, Buffer | null>>;
  /** Writes a file atomically (temp file + rename) with the given mode (default 0o644). */
  writeFile(path: string, data: Buffer | string, mode?: number): Promise<void>;

  close(): Promise<void>;
}
