/** Helpers for the domain tests: wrap sections in a minimal domain, run the pipeline, cut sections out. */
import { parseDomainXml, formatDomainXml, validateDomain, type Domain } from '../../../model/domain/domain';
import { applyDomainDefaults } from '../../../model/domain/defaults';
import { formatIssue } from '../../../model/errors';

/** A minimal domain with `inner` added after `<os>`; line 1 is `<domain ...>`. */
export function minimal(inner = '', opts: { type?: string; os?: string } = {}): string {
  return [
    `<domain type='${opts.type ?? 'kvm'}'>`,
    '  <name>vm1</name>',
    '  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>',
    "  <memory unit='KiB'>1048576</memory>",
    opts.os ?? "  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>",
    inner,
    '</domain>',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

/** parse → defaults → validate (throws with every issue) → format. */
export function canonical(xml: string, file = 'vm1.xml'): string {
  const d = applyDomainDefaults(parseDomainXml(xml, file));
  const issues = validateDomain(d);
  if (issues.length) throw new Error(issues.map(formatIssue).join('\n'));
  return formatDomainXml(d);
}

/** The formatted lines of top-level element `<tag>` (empty string when absent). */
export function section(doc: string, tag: string): string {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`  <${tag}>`) || l.startsWith(`  <${tag} `) || l.startsWith(`  <${tag}/>`));
  if (start < 0) return '';
  if (/\/>$/.test(lines[start]) || lines[start].includes(`</${tag}>`)) return lines[start] + '\n';
  const end = lines.findIndex((l, i) => i > start && l === `  </${tag}>`);
  return lines.slice(start, end + 1).join('\n') + '\n';
}

/** The issues of a document after defaults, formatted `file:line: path: problem (fix: ...)`. */
export function issuesOf(xml: string, file = 'vm1.xml'): string[] {
  const d: Domain = applyDomainDefaults(parseDomainXml(xml, file));
  return validateDomain(d).map(formatIssue);
}
