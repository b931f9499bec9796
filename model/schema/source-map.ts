/**
 * Remembers where each parsed object came from, so a later check (ajv, a semantic rule, the
 * planner) can point at the XML line. Objects built in code have no entry.
 */
import type { SourcePos } from '../xml/dom';

export interface ObjectSource {
  readonly pos: SourcePos;
  /** XML path of the element, e.g. `/domain/devices/disk[2]`. */
  readonly path: string;
  /** Position of each attribute or child, by property key (arrays: one entry per item). */
  readonly props: Map<string, SourcePos | SourcePos[]>;
}

const sources = new WeakMap<object, ObjectSource>();

export function recordSource(obj: object, src: ObjectSource): void {
  sources.set(obj, src);
}

export function sourceOf(obj: unknown): ObjectSource | undefined {
  return obj !== null && typeof obj === 'object' ? sources.get(obj as object) : undefined;
}

/**
 * Finds the best position for a JSON pointer into `root` (`/devices/disk/0/target/bus`):
 * the deepest object on the path with a recorded source, and the property's own position
 * when known.
 */
export function locate(root: unknown, pointer: string): { pos?: SourcePos; path?: string } {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let cur: unknown = root;
  let best: { pos?: SourcePos; path?: string } = {};
  const first = sourceOf(root);
  if (first) best = { pos: first.pos, path: first.path };
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i];
    const src = sourceOf(cur);
    if (src) {
      const p = src.props.get(key);
      if (p) {
        if (Array.isArray(p)) {
          const idx = Number(parts[i + 1]);
          if (Number.isInteger(idx) && p[idx]) best = { pos: p[idx], path: best.path };
          else if (p[0]) best = { pos: p[0], path: best.path };
        } else {
          best = { pos: p, path: best.path };
        }
      }
    }
    if (cur === null || typeof cur !== 'object') break;
    cur = (cur as Record<string, unknown>)[key];
    const s = sourceOf(cur);
    if (s) best = { pos: s.pos, path: s.path };
  }
  return best;
}
