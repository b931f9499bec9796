/**
 * Attribute-level diff of two canonical documents (formatted XML after the same defaults on
 * both sides), in the user's terms: one leaf per XML attribute, text value or empty element,
 * named by an XPath-like path (`/domain/devices/disk[target/@dev='vdb']/source/@file`).
 *
 * Repeated elements are matched by identity where libvirt gives them one (a disk by its target
 * dev, an interface by its MAC, a pin by its vCPU...), so adding a disk in the middle shows one
 * added disk rather than every later disk changed; otherwise by position (`serial[2]`). An
 * element present on one side only yields a leaf for everything inside it, each carrying the
 * element's path in `element` (what the change-effect rules look at for hot-plug).
 *
 * Pure. The diff is for display and for classifying effects; apply never reads it.
 */
import { elementChildren, parseXml, textContent, type XmlElement } from '../model/xml/dom';

export interface AttributeChange {
  /** `/domain/memory/@unit`, `/domain/memory` (text), `/domain/features/acpi` (an empty element). */
  readonly path: string;
  /** Value on the live side; undefined when absent. An empty element's value is ''. */
  readonly before?: string;
  /** Value on the desired side; undefined when absent. */
  readonly after?: string;
  /** The element added or removed as a whole that holds this leaf (`/domain/devices/disk[target/@dev='vdb']`). */
  readonly element?: string;
}

/**
 * How repeated elements are identified: by element name, the XPath of the key (relative to the
 * element) used in the path predicate. A key applies to a group of siblings only when every one
 * of them on both sides has it and no two on one side share it; otherwise position is used.
 */
const IDENTITY_KEYS: Readonly<Record<string, readonly string[]>> = {
  disk: ['target/@dev'],
  interface: ['mac/@address'],
  filesystem: ['target/@dir'],
  controller: ['@type', '@index'],
  vcpupin: ['@vcpu'],
  iothreadpin: ['@iothread'],
  memnode: ['@cellid'],
  cell: ['@id'],
  vcpu: ['@id'],
  iothread: ['@id'],
  ip: ['@address'],
  range: ['@start'],
  route: ['@address'],
  portgroup: ['@name'],
  redirdev: ['@bus', '@type'],
};

/** Parses canonical XML for diffing; throws XmlSyntaxError for text that is not XML. */
export function parseCanonical(xml: string, label = '<canonical>'): XmlElement {
  return parseXml(xml, label);
}

/** Every leaf of `live` and `desired` that differs; either side may be absent (create, delete). */
export function diffDocuments(live: XmlElement | undefined, desired: XmlElement | undefined): AttributeChange[] {
  const out: AttributeChange[] = [];
  const root = desired ?? live;
  if (!root) return out;
  diffElement(live, desired, `/${root.name}`, out, live && desired ? undefined : `/${root.name}`);
  return out;
}

/** Every leaf of one document, as a create would show it. */
export function flattenDocument(el: XmlElement): AttributeChange[] {
  return diffDocuments(undefined, el);
}

function attrsOf(el: XmlElement | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of el?.attrs ?? []) {
    if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
    m.set(a.name, a.value);
  }
  return m;
}

function ownText(el: XmlElement | undefined): string | undefined {
  if (!el) return undefined;
  const t = textContent(el).trim();
  return t === '' ? undefined : t;
}

function diffElement(a: XmlElement | undefined, b: XmlElement | undefined, path: string, out: AttributeChange[], element: string | undefined): void {
  const push = (leaf: string, before: string | undefined, after: string | undefined): void => {
    if (before === after) return;
    out.push(element === undefined ? { path: leaf, before, after } : { path: leaf, before, after, element });
  };
  const aa = attrsOf(a);
  const ba = attrsOf(b);
  for (const name of unionKeys([...ba.keys()], [...aa.keys()])) push(`${path}/@${name}`, aa.get(name), ba.get(name));

  const at = ownText(a);
  const bt = ownText(b);
  const aKids = a ? elementChildren(a) : [];
  const bKids = b ? elementChildren(b) : [];
  if (at !== undefined || bt !== undefined) push(path, at, bt);
  else {
    // An element that holds nothing at all is a flag (`<acpi/>`, `<readonly/>`): its presence is the value.
    const emptyA = a !== undefined && aa.size === 0 && aKids.length === 0;
    const emptyB = b !== undefined && ba.size === 0 && bKids.length === 0;
    if (emptyA || emptyB) push(path, emptyA ? '' : undefined, emptyB ? '' : undefined);
  }

  const names = unionKeys(bKids.map((c) => c.name), aKids.map((c) => c.name));
  for (const name of names) {
    const as = aKids.filter((c) => c.name === name);
    const bs = bKids.filter((c) => c.name === name);
    for (const pair of matchSiblings(name, as, bs)) {
      const childPath = `${path}/${pair.segment}`;
      const whole = element ?? (pair.a && pair.b ? undefined : childPath);
      diffElement(pair.a, pair.b, childPath, out, whole);
    }
  }
}

interface SiblingPair {
  readonly segment: string;
  readonly a?: XmlElement;
  readonly b?: XmlElement;
}

function matchSiblings(name: string, as: XmlElement[], bs: XmlElement[]): SiblingPair[] {
  if (as.length <= 1 && bs.length <= 1) {
    // One on each side (or one side only): the same element, unless its identity differs.
    const keys = IDENTITY_KEYS[localName(name)];
    if (keys && as.length === 1 && bs.length === 1) {
      const ka = keyOf(as[0], keys);
      const kb = keyOf(bs[0], keys);
      if (ka !== undefined && kb !== undefined && ka !== kb) {
        return [
          { segment: `${name}${predicate(keys, bs[0])}`, b: bs[0] },
          { segment: `${name}${predicate(keys, as[0])}`, a: as[0] },
        ];
      }
    }
    return [{ segment: name, a: as[0], b: bs[0] }];
  }
  const keys = IDENTITY_KEYS[localName(name)];
  if (keys && usableKey(as, keys) && usableKey(bs, keys)) {
    const byKey = new Map(as.map((e) => [keyOf(e, keys)!, e]));
    const pairs: SiblingPair[] = [];
    const seen = new Set<string>();
    for (const b of bs) {
      const k = keyOf(b, keys)!;
      seen.add(k);
      pairs.push({ segment: `${name}${predicate(keys, b)}`, a: byKey.get(k), b });
    }
    for (const a of as) if (!seen.has(keyOf(a, keys)!)) pairs.push({ segment: `${name}${predicate(keys, a)}`, a });
    return pairs;
  }
  const n = Math.max(as.length, bs.length);
  return Array.from({ length: n }, (_, i) => ({ segment: `${name}[${i + 1}]`, a: as[i], b: bs[i] }));
}

function localName(name: string): string {
  const i = name.indexOf(':');
  return i < 0 ? name : name.slice(i + 1);
}

/** The value at a key XPath (`@dev`, `target/@dev`), or undefined. */
function valueAt(el: XmlElement, xpath: string): string | undefined {
  const parts = xpath.split('/');
  let cur: XmlElement | undefined = el;
  for (const p of parts.slice(0, -1)) cur = cur ? elementChildren(cur).find((c) => c.name === p) : undefined;
  const last = parts[parts.length - 1];
  if (!cur) return undefined;
  return last.startsWith('@') ? cur.attrs.find((x) => x.name === last.slice(1))?.value : undefined;
}

function keyOf(el: XmlElement, keys: readonly string[]): string | undefined {
  const vals = keys.map((k) => valueAt(el, k));
  return vals.some((v) => v === undefined) ? undefined : JSON.stringify(vals);
}

function usableKey(els: readonly XmlElement[], keys: readonly string[]): boolean {
  const seen = new Set<string>();
  for (const e of els) {
    const k = keyOf(e, keys);
    if (k === undefined || seen.has(k)) return false;
    seen.add(k);
  }
  return true;
}

function predicate(keys: readonly string[], el: XmlElement): string {
  return keys.map((k) => `[${k}='${valueAt(el, k)}']`).join('');
}

/** `first` in order, then what only `second` has, in its order; no duplicates. */
function unionKeys(first: readonly string[], second: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const k of [...first, ...second]) {
    if (!seen.has(k)) {
      seen.add(k);
      out.push(k);
    }
  }
  return out;
}
