/**
 * `<permissions>` of a pool target, a volume or a backing store: mode, owner, group and
 * security label applied to the directory, device or file.
 */
import { Type, type TInteger, type Static } from '@sinclair/typebox';
import * as X from '../schema';

/** A file mode written in octal (`0755`); stored as a number, printed as `0` + octal digits. */
export function octalMode(): X.ValueCodec<TInteger> {
  return {
    schema: Type.Integer({ minimum: 0, maximum: 0o777 }),
    describe: 'an octal file mode no greater than 0777',
    parse(raw) {
      const s = raw.trim();
      if (!/^[0-7]+$/.test(s)) throw new X.CodecError('must be an octal file mode such as 0755', 'write the mode in octal digits, e.g. 0700');
      const v = parseInt(s, 8);
      if (v > 0o777) throw new X.CodecError('must be an octal file mode no greater than 0777', 'setuid, setgid and sticky bits cannot be set here');
      return v;
    },
    format: (v) => `0${v.toString(8)}`,
  };
}

/**
 * A uid or gid. `-1` (and 4294967295, the same value as an unsigned 32-bit id) means "leave
 * as is"; libvirt drops it (defaults.ts). Leading zeros are decimal, as libvirt reads them.
 */
export function unixId(): X.ValueCodec<TInteger> {
  return {
    schema: Type.Integer({ minimum: -1, maximum: 4294967295 }),
    describe: 'a numeric user or group id, or -1',
    parse(raw) {
      const s = raw.trim();
      if (!/^(-1|\d+)$/.test(s)) throw new X.CodecError('must be a numeric user or group id, or -1', 'use the number, e.g. 107, not the name');
      const v = Number(s);
      if (v > 4294967295) throw new X.CodecError('must be a numeric id no greater than 4294967295');
      return v;
    },
    format: (v) => String(v),
  };
}

export const Permissions = X.element({
  mode: X.textChild(octalMode()),
  owner: X.textChild(unixId()),
  group: X.textChild(unixId()),
  /** Security label, e.g. an SELinux context. */
  label: X.textChild(X.str()),
});
export type Permissions = Static<typeof Permissions>;

/** True for the ids that mean "not set". */
export function isUnsetId(id: number | undefined): boolean {
  return id === undefined || id === -1 || id === 4294967295;
}

/**
 * libvirt's reading of a permissions element: unset ids dropped, and nothing at all when
 * nothing is left. Returns the element to keep, or undefined.
 */
export function normalizePermissions(p: Permissions | undefined): Permissions | undefined {
  if (!p) return undefined;
  if (isUnsetId(p.owner)) delete p.owner;
  if (isUnsetId(p.group)) delete p.group;
  return p.mode === undefined && p.owner === undefined && p.group === undefined && p.label === undefined ? undefined : p;
}
