/**
 * A minimal ISO 9660 image writer (pure): one root directory with a few small files, a
 * primary volume descriptor with 8.3 upper-case names, and a Joliet supplementary volume
 * descriptor carrying the real names (UCS-2, case preserved), which Linux, Windows,
 * libarchive and isoinfo all read. Enough for a cloud-init NoCloud seed; no subdirectories,
 * no Rock Ridge, no El Torito.
 *
 * Layout (2048-byte sectors):
 *   0-15 system area (zero) | 16 primary VD | 17 Joliet SVD | 18 terminator
 *   19/20 primary path tables (L/M) | 21/22 Joliet path tables (L/M)
 *   23 primary root directory | 24 Joliet root directory | 25.. file data, each from a new sector
 *
 * Invariants:
 * - Deterministic: the same volume id and files give the same bytes (every date is the
 *   fixed RECORDING_DATE), so an image can be named after its digest.
 * - Files are recorded in name order in both trees and share their data extents.
 * - Names: Joliet names are at most 64 UCS-2 characters without `* / : ; ? \`; the primary
 *   names are derived (upper case, `_` for other characters, 8.3, `;1`) and must be unique.
 */

export const SECTOR = 2048;

/** 1980-01-01 00:00:00 UTC: every date in the image, so that its bytes depend only on content. */
const DATE = { year: 1980, month: 1, day: 1, hour: 0, minute: 0, second: 0 };

export interface IsoFile {
  /** The name as readers show it (Joliet). */
  readonly name: string;
  readonly data: Buffer;
}

export interface IsoOptions {
  /** Volume identifier (the label), at most 16 characters for Joliet. */
  readonly volumeId: string;
  readonly files: readonly IsoFile[];
  /** Application identifier in the primary descriptor. */
  readonly application?: string;
}

const JOLIET_FORBIDDEN = /[*/:;?\\\u0000-\u001f]/;

/** The 8.3 ISO level-1 name for `name` (without `;1`). */
export function primaryName(name: string): string {
  const dot = name.lastIndexOf('.');
  const base = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot + 1) : '';
  const clean = (s: string, n: number): string => s.toUpperCase().replace(/[^A-Z0-9_]/g, '_').slice(0, n);
  return `${clean(base, 8) || '_'}.${clean(ext, 3)}`;
}

function bothEndian16(b: Buffer, off: number, v: number): void {
  b.writeUInt16LE(v, off);
  b.writeUInt16BE(v, off + 2);
}

function bothEndian32(b: Buffer, off: number, v: number): void {
  b.writeUInt32LE(v, off);
  b.writeUInt32BE(v, off + 4);
}

function padded(text: string, len: number): Buffer {
  const b = Buffer.alloc(len, 0x20);
  b.write(text.slice(0, len), 'latin1');
  return b;
}

function ucs2be(text: string): Buffer {
  const le = Buffer.from(text, 'utf16le');
  for (let i = 0; i < le.length; i += 2) {
    const x = le[i];
    le[i] = le[i + 1];
    le[i + 1] = x;
  }
  return le;
}

/** A UCS-2 field of `len` bytes padded with UCS-2 spaces. */
function paddedUcs2(text: string, len: number): Buffer {
  const b = Buffer.alloc(len);
  // An odd-length field (37-byte file ids) ends with one zero byte.
  for (let i = 0; i + 1 < len; i += 2) b.writeUInt16BE(0x20, i);
  ucs2be(text).copy(b, 0, 0, len - (len % 2));
  return b;
}

/** 17-byte volume descriptor date: 16 digits and a zero UTC offset. */
function longDate(): Buffer {
  const d = DATE;
  const s = `${d.year}${p2(d.month)}${p2(d.day)}${p2(d.hour)}${p2(d.minute)}${p2(d.second)}00`;
  const b = Buffer.alloc(17);
  b.write(s, 'latin1');
  return b;
}

function p2(n: number): string {
  return String(n).padStart(2, '0');
}

/** One directory record (ECMA-119 9.1). */
function dirRecord(id: Buffer, extent: number, size: number, isDir: boolean): Buffer {
  const len = 33 + id.length + (id.length % 2 === 0 ? 1 : 0);
  const r = Buffer.alloc(len);
  r[0] = len;
  bothEndian32(r, 2, extent);
  bothEndian32(r, 10, size);
  r[18] = DATE.year - 1900;
  r[19] = DATE.month;
  r[20] = DATE.day;
  r[21] = DATE.hour;
  r[22] = DATE.minute;
  r[23] = DATE.second;
  r[24] = 0;
  r[25] = isDir ? 2 : 0;
  bothEndian16(r, 28, 1);
  r[32] = id.length;
  id.copy(r, 33);
  return r;
}

function pathTable(rootExtent: number, bigEndian: boolean): Buffer {
  const t = Buffer.alloc(10);
  t[0] = 1;
  if (bigEndian) {
    t.writeUInt32BE(rootExtent, 2);
    t.writeUInt16BE(1, 6);
  } else {
    t.writeUInt32LE(rootExtent, 2);
    t.writeUInt16LE(1, 6);
  }
  return t;
}

/** Builds the image. Throws TypeError for names or a volume id that cannot be recorded. */
export function buildIsoImage(opts: IsoOptions): Buffer {
  const files = [...opts.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (!/^[A-Za-z0-9_-]{1,16}$/.test(opts.volumeId)) throw new TypeError(`ISO volume id '${opts.volumeId}' must be 1 to 16 letters, digits, '_' or '-'`);
  const seen = new Set<string>();
  for (const f of files) {
    if (f.name === '' || f.name.length > 64 || JOLIET_FORBIDDEN.test(f.name)) throw new TypeError(`ISO file name '${f.name}' must be 1 to 64 characters without * / : ; ? \\ or control characters`);
    const pn = primaryName(f.name);
    if (seen.has(pn)) throw new TypeError(`ISO file names must differ in their 8.3 form; '${f.name}' gives ${pn} again`);
    seen.add(pn);
  }

  const PVD = 16, SVD = 17, TERM = 18, PT_L = 19, PT_M = 20, JPT_L = 21, JPT_M = 22, ROOT = 23, JROOT = 24;
  let next = 25;
  const extents = files.map((f) => {
    const at = next;
    next += Math.max(1, Math.ceil(f.data.length / SECTOR));
    return at;
  });
  const total = next;

  const dir = (root: number, names: Buffer[]): Buffer => {
    const d = Buffer.alloc(SECTOR);
    let off = 0;
    for (const r of [dirRecord(Buffer.from([0]), root, SECTOR, true), dirRecord(Buffer.from([1]), root, SECTOR, true), ...files.map((f, i) => dirRecord(names[i], extents[i], f.data.length, false))]) {
      if (off + r.length > SECTOR) throw new TypeError('too many files for one directory sector');
      r.copy(d, off);
      off += r.length;
    }
    return d;
  };

  const descriptor = (type: 1 | 2, root: number, ptL: number, ptM: number): Buffer => {
    const v = Buffer.alloc(SECTOR);
    v[0] = type;
    v.write('CD001', 1, 'latin1');
    v[6] = 1;
    const joliet = type === 2;
    (joliet ? paddedUcs2('', 32) : padded('', 32)).copy(v, 8); // system identifier
    (joliet ? paddedUcs2(opts.volumeId, 32) : padded(opts.volumeId, 32)).copy(v, 40);
    bothEndian32(v, 80, total);
    if (joliet) v.write('%/E', 88, 'latin1'); // UCS-2 level 3
    bothEndian16(v, 120, 1); // volume set size
    bothEndian16(v, 124, 1); // volume sequence number
    bothEndian16(v, 128, SECTOR);
    bothEndian32(v, 132, 10); // path table size
    v.writeUInt32LE(ptL, 140);
    v.writeUInt32BE(ptM, 148);
    dirRecord(Buffer.from([0]), root, SECTOR, true).copy(v, 156);
    const text = (s: string, off: number, len: number): void => void (joliet ? paddedUcs2(s, len) : padded(s, len)).copy(v, off);
    text('', 190, 128); // volume set
    text('', 318, 128); // publisher
    text('', 446, 128); // data preparer
    text(opts.application ?? '', 574, 128);
    text('', 702, 37); // copyright file
    text('', 739, 37); // abstract file
    text('', 776, 37); // bibliographic file
    longDate().copy(v, 813); // creation
    longDate().copy(v, 830); // modification
    v.write('0000000000000000', 847, 'latin1'); // expiration: none
    longDate().copy(v, 864); // effective
    v[881] = 1; // file structure version
    return v;
  };

  const img = Buffer.alloc(total * SECTOR);
  descriptor(1, ROOT, PT_L, PT_M).copy(img, PVD * SECTOR);
  descriptor(2, JROOT, JPT_L, JPT_M).copy(img, SVD * SECTOR);
  const term = Buffer.alloc(7);
  term[0] = 255;
  term.write('CD001', 1, 'latin1');
  term[6] = 1;
  term.copy(img, TERM * SECTOR);
  pathTable(ROOT, false).copy(img, PT_L * SECTOR);
  pathTable(ROOT, true).copy(img, PT_M * SECTOR);
  pathTable(JROOT, false).copy(img, JPT_L * SECTOR);
  pathTable(JROOT, true).copy(img, JPT_M * SECTOR);
  dir(ROOT, files.map((f) => Buffer.from(`${primaryName(f.name)};1`, 'latin1'))).copy(img, ROOT * SECTOR);
  dir(JROOT, files.map((f) => ucs2be(f.name))).copy(img, JROOT * SECTOR);
  files.forEach((f, i) => f.data.copy(img, extents[i] * SECTOR));
  return img;
}
