/**
 * Moving image bytes to a host: from a local file or an HTTP(S) URL, streamed through the
 * Transport into a file on the host, with progress callbacks and a SHA-256 computed on the way.
 *
 * Downloads run on the client and stream straight into the upload (no temp file on the
 * client). Why client-side rather than curl on the host:
 * - hypervisor hosts are often on management networks without outbound HTTP, and need not
 *   have curl or wget; the SSH connection is the one path virtform can count on;
 * - one code path for progress, redirects, TLS trust and proxies (the user's, configured where
 *   they run virtform), and the digest is checked on the bytes the host actually received;
 * - credentials in a URL stay on the client and never appear on a host command line.
 * The cost is that the image crosses the client's link; for a large image and a host with
 * good connectivity, fetching on the host would be faster (not offered yet).
 */
import { createHash } from 'crypto';
import { createReadStream, promises as fsp } from 'fs';
import { Readable } from 'stream';
import type { ReadableStream as WebReadableStream } from 'stream/web';
import type { Transport } from '../../host';
import { StateError } from '../state/state-error';

/** Progress of a transfer: bytes sent so far and the total when known. */
export interface TransferProgress {
  readonly bytes: number;
  readonly total?: number;
}
export type ProgressCallback = (p: TransferProgress) => void;

export interface TransferResult {
  readonly bytes: number;
  /** Hex SHA-256 of the bytes sent. */
  readonly sha256: string;
}

/** An image source opened for reading. */
export interface ImageSource {
  /** How to name the source in messages (a URL without its credentials). */
  readonly label: string;
  readonly total?: number;
  readonly stream: AsyncIterable<Buffer | Uint8Array>;
}

/** Opens a local file as an image source. */
export async function localFileSource(file: string): Promise<ImageSource> {
  let size: number;
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) throw new StateError('NOT_FOUND', `${file} is not a regular file; give the path of an image file.`);
    size = st.size;
  } catch (e) {
    if (e instanceof StateError) throw e;
    throw new StateError('NOT_FOUND', `cannot read the image ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return { label: file, total: size, stream: createReadStream(file, { highWaterMark: 1 << 20 }) };
}

/** A URL for messages: user name and password replaced. */
export function redactUrl(u: string): string {
  try {
    const url = new URL(u);
    if (url.username || url.password) {
      url.username = '***';
      url.password = '';
    }
    return url.toString();
  } catch {
    return '(an invalid URL)';
  }
}

/** Opens an http(s) URL as an image source (follows up to 20 redirects). */
export async function urlSource(u: string, opts: { readonly signal?: AbortSignal } = {}): Promise<ImageSource> {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    throw new StateError('DOWNLOAD', `'${redactUrl(u)}' is not a valid URL; give an http:// or https:// address.`);
  }
  const label = redactUrl(u);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StateError('DOWNLOAD', `${label}: only http:// and https:// URLs can be imported, not ${url.protocol}//. For a file on this machine, import it as a local file.`);
  }
  // fetch refuses URLs with credentials: send them as HTTP basic authentication instead.
  const headers: Record<string, string> = {};
  if (url.username || url.password) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', headers, ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new StateError('DOWNLOAD', `${label}: download failed: ${cause?.code ?? cause?.message ?? (e as Error).message}. Check the address and that this machine can reach it.`);
  }
  if (!res.ok || !res.body) {
    throw new StateError('DOWNLOAD', `${label}: the server answered ${res.status} ${res.statusText}${res.url !== url.toString() ? ` (after redirects, for ${redactUrl(res.url)})` : ''}. Check the address.`);
  }
  const len = res.headers.get('content-length');
  const total = len !== null && /^\d+$/.test(len) && !res.headers.get('content-encoding') ? Number(len) : undefined;
  return { label, ...(total !== undefined ? { total } : {}), stream: Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>) };
}

/**
 * Streams `source` into `dest` on the host (created with mode 0600 through umask 077;
 * an existing file is overwritten, so dest must be a fresh temp name). Honours backpressure;
 * calls onProgress after each chunk. Rejects if the host command fails or the source breaks.
 */
export async function sendToHost(transport: Transport, dest: string, source: ImageSource, onProgress?: ProgressCallback): Promise<TransferResult> {
  const proc = await transport.spawn(['sh', '-c', 'umask 077 && exec cat >"$1"', 'sh', dest]);
  let stderr = '';
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  // cat prints nothing, but an SSH channel only closes once its output has been read.
  proc.stdout.resume();
  const hash = createHash('sha256');
  let bytes = 0;
  let exitedEarly = false;
  void proc.exited.then(
    () => (exitedEarly = true),
    () => (exitedEarly = true),
  );
  const stdin = proc.stdin as NodeJS.WritableStream & { once(ev: string, f: (...a: unknown[]) => void): unknown; writableNeedDrain?: boolean };
  stdin.on('error', () => undefined);
  try {
    for await (const chunk of source.stream) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      if (exitedEarly) break;
      hash.update(b);
      bytes += b.length;
      if (!stdin.write(b)) {
        await new Promise<void>((resolve) => {
          const done = (): void => resolve();
          stdin.once('drain', done);
          void proc.exited.then(done, done);
        });
      }
      onProgress?.({ bytes, ...(source.total !== undefined ? { total: source.total } : {}) });
    }
  } catch (e) {
    proc.kill('SIGKILL');
    stdin.end();
    await proc.exited.catch(() => undefined);
    throw new StateError('DOWNLOAD', `${source.label}: reading the image failed after ${bytes} bytes: ${(e as Error).message}`);
  }
  stdin.end();
  const exit = await proc.exited.catch((e: Error) => {
    throw new StateError('COMMAND_FAILED', `${transport.hostLabel}: sending ${source.label} to ${dest} failed: ${e.message}`);
  });
  if (exit.code !== 0) {
    throw new StateError('COMMAND_FAILED', `${transport.hostLabel}: writing ${dest} failed after ${bytes} bytes: ${stderr.trim() || `exit ${exit.code}`}. Check free space in the pool.`);
  }
  if (source.total !== undefined && bytes !== source.total) {
    throw new StateError('DOWNLOAD', `${source.label}: expected ${source.total} bytes but got ${bytes}; the transfer was cut short. Try again.`);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Bytes made in memory (a cloud-init seed) as an image source. */
export function bufferSource(label: string, data: Buffer): ImageSource {
  return {
    label,
    total: data.length,
    stream: (async function* () {
      for (let off = 0; off < data.length; off += 1 << 20) yield data.subarray(off, off + (1 << 20));
    })(),
  };
}
