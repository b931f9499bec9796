/**
 * Sensitive values: secrets that may appear inside definitions (a VNC or SPICE password, the
 * cookies sent with an HTTP disk source). They never appear in plan output, `--json` or plan
 * files; a plan file holds the documents with each one replaced by SENSITIVE_PLACEHOLDER, and
 * `apply FILE` reads them again from the `--xml` documents.
 *
 * One list, used by the diff renderer (by attribute path) and by redaction (by property).
 */
import type { ResourceDocument } from './desired-state';

/** What a sensitive value is shown and stored as. */
export const SENSITIVE_PLACEHOLDER = '(sensitive value)';

/** Diff paths that carry a sensitive value: any `@passwd`, and a disk source's cookie values. */
export function isSensitivePath(path: string): boolean {
  return /\/@passwd$/.test(path) || /\/cookies\/cookie(\[[^\]]*\])*$/.test(path);
}

/**
 * Replaces every sensitive value in a document with SENSITIVE_PLACEHOLDER, in place, and
 * returns how many it replaced. Walks the whole model object, so a secret is found wherever the
 * schema puts it (`passwd` properties; `value` of items of `cookies` lists).
 */
export function redactDocument(d: ResourceDocument): number {
  return redactValue(d.doc);
}

function redactValue(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + redactValue(x), 0);
  if (v === null || typeof v !== 'object') return 0;
  let n = 0;
  const o = v as Record<string, unknown>;
  for (const [k, x] of Object.entries(o)) {
    if (k === 'passwd' && typeof x === 'string') {
      o[k] = SENSITIVE_PLACEHOLDER;
      n++;
    } else if (k === 'cookies' && Array.isArray(x)) {
      for (const c of x) {
        if (c && typeof c === 'object' && typeof (c as Record<string, unknown>).value === 'string') {
          (c as Record<string, unknown>).value = SENSITIVE_PLACEHOLDER;
          n++;
        }
      }
    } else {
      n += redactValue(x);
    }
  }
  return n;
}

/**
 * The same secrets blanked in raw XML text, for fingerprints of stored definitions: a plan file
 * must not carry a hash over a password either (with the rest of the document in the file, a
 * weak password could be guessed against it). Text-level, so it also works on a definition
 * that does not parse.
 */
export function redactXmlText(xml: string): string {
  return xml
    .replace(/(\spasswd\s*=\s*)(['"])[^'"]*\2/g, `$1'${SENSITIVE_PLACEHOLDER}'`)
    .replace(/(<cookie\b[^>]*>)[^<]*(<\/cookie>)/g, `$1${SENSITIVE_PLACEHOLDER}$2`);
}
