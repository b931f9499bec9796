/**
 * How host scripts report many things in one round trip: NUL-framed records on stdout.
 *
 * `READ_FILES_SCRIPT` (used by `Transport.readFiles` over SSH) prints, per path argument,
 *     path \0 status \0 length \0 content
 * where status is `0` (content = the file's bytes), `ENOENT` (missing, including a dangling
 * symlink), `EISDIR`, or `EIO` (content = the reader's error message). length is the decimal
 * byte count of content, so content may hold any bytes, NUL included.
 *
 * Why content is first copied to a temp file: procfs and sysfs files report st_size 0 (or
 * 4096), so neither stat nor `wc -c` on the file itself gives the real length. We read with
 * `cat` (which reads to EOF), then measure the copy.
 */
import { HostError } from './errors';

/** POSIX sh. Arguments: the paths to read. Exit status 90 if no temp file could be made. */
export const READ_FILES_SCRIPT = `
T=$(mktemp) && E=$(mktemp) || exit 90
trap 'rm -f "$T" "$E"' EXIT
for p do
  if [ ! -e "$p" ]; then s=ENOENT; : >"$T"
  elif [ -d "$p" ]; then s=EISDIR; : >"$T"
  elif cat -- "$p" >"$T" 2>"$E"; then s=0
  else s=EIO; cat "$E" >"$T"
  fi
  printf '%s\\0%s\\0%s\\0' "$p" "$s" "$(($(wc -c <"$T")))"
  cat "$T"
done
`;

export type FileStatus = '0' | 'ENOENT' | 'EISDIR' | 'EIO';

export interface FileRecord {
  readonly path: string;
  readonly status: FileStatus;
  /** The file's bytes when status is '0'; otherwise the error text (may be empty). */
  readonly content: Buffer;
}

/**
 * Reads NUL-framed records. `fields` strings come before an optional length-prefixed blob.
 * Throws HostError('PROTOCOL') naming the host and the byte offset on truncated input.
 */
export class RecordReader {
  private pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly hostLabel: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  /** The next NUL-terminated string (UTF-8). */
  field(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw this.truncated('a NUL-terminated field');
    const s = this.buf.subarray(this.pos, end).toString('utf8');
    this.pos = end + 1;
    return s;
  }

  /** A decimal length field followed by exactly that many bytes. */
  blob(): Buffer {
    const lenText = this.field();
    if (!/^[0-9]+$/.test(lenText)) throw this.truncated(`a decimal length, got '${lenText.slice(0, 40)}'`);
    const len = Number(lenText);
    if (this.pos + len > this.buf.length) throw this.truncated(`${len} content bytes`);
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }

  private truncated(what: string): HostError {
    return new HostError(
      'PROTOCOL',
      `host ${this.hostLabel}: a virtform host script's output ended or broke at byte ${this.pos} of ${this.buf.length} ` +
        `while expecting ${what}. The host's sh, cat, mktemp or wc may be unusual; run with VIRTFORM_DEBUG=1 and report it.`,
    );
  }
}

/** Parses READ_FILES_SCRIPT output. */
export function parseFileRecords(out: Buffer, hostLabel: string): FileRecord[] {
  const r = new RecordReader(out, hostLabel);
  const records: FileRecord[] = [];
  while (!r.done) {
    const path = r.field();
    const status = r.field() as FileStatus;
    const content = r.blob();
    records.push({ path, status, content });
  }
  return records;
}
