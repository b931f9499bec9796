/**
 * Desired state from libvirt XML files (`--xml PATH`), the pure part: file texts in, desired
 * resources out. The CLI reads the files (cli/xml-stack-files.ts); docs/xml-stacks.md is the
 * user's description of the layout.
 *
 * - Each file holds one document; its root element says what it is: `<domain>`, `<network>`,
 *   `<pool>` or `<volume>`.
 * - A volume names its pool by where it lies: `volumes/POOL/FILE.xml` under the stack folder
 *   (libvirt's volume XML has no pool, as `virsh vol-create POOL FILE` takes it apart).
 * - Everything wrong is collected (every file, every problem) and thrown once as PlanError,
 *   each issue with its file:line.
 */
import { Domain } from '../model/domain/domain';
import { ModelError } from '../model/errors';
import { Network } from '../model/network/network';
import { Pool } from '../model/pool/pool';
import * as X from '../model/schema';
import { Volume } from '../model/volume/volume';
import { parseXml, XmlSyntaxError } from '../model/xml/dom';
import { documentName, type DesiredResource, type DesiredState, type ResourceDocument } from './desired-state';
import { PlanError, type PlanIssue } from './plan-issue';

export interface StackFile {
  /** Path relative to the stack folder, '/'-separated (`volumes/images/web1.qcow2.xml`); for a single file, its name. */
  readonly relPath: string;
  /** How messages name the file (the path as the user gave it). */
  readonly label: string;
  readonly text: string;
}

/** `volumes/POOL/FILE.xml` → POOL; undefined for any other place. */
export function volumePoolFromPath(relPath: string): string | undefined {
  const parts = relPath.split('/');
  return parts.length === 3 && parts[0] === 'volumes' && parts[1] !== '' ? parts[1] : undefined;
}

/** Parses stack files into desired state. `single` is true for `--xml FILE`. Throws PlanError. */
export function loadXmlStack(files: readonly StackFile[], single = false): DesiredState {
  const issues: PlanIssue[] = [];
  const resources: DesiredResource[] = [];
  const issue = (f: StackFile, line: number, path: string, problem: string, fix: string): PlanIssue => ({
    severity: 'error',
    check: 'documents',
    pos: { file: f.label, line, column: 1 },
    path,
    problem,
    fix,
  });
  for (const f of files) {
    try {
      const root = parseXml(f.text, f.label);
      let document: ResourceDocument;
      switch (root.name) {
        case 'domain':
          document = { kind: 'domain', doc: X.bindDocument(root, Domain, 'domain') };
          break;
        case 'network':
          document = { kind: 'network', doc: X.bindDocument(root, Network, 'network') };
          break;
        case 'pool':
          document = { kind: 'pool', doc: X.bindDocument(root, Pool, 'pool') };
          break;
        case 'volume': {
          const pool = volumePoolFromPath(f.relPath);
          if (pool === undefined) {
            issues.push(
              issue(
                f,
                root.pos.line,
                '/volume',
                single
                  ? 'a volume document alone does not say which pool it belongs to'
                  : `volume documents must lie in volumes/POOL/ (the folder names the pool), not at ${f.relPath}`,
                single ? 'put it in STACK/volumes/POOL/ and pass --xml STACK' : `move it to volumes/POOL/${f.relPath.split('/').pop()}`,
              ),
            );
            continue;
          }
          document = { kind: 'volume', doc: X.bindDocument(root, Volume, 'volume'), pool };
          break;
        }
        default:
          issues.push(issue(f, root.pos.line, `/${root.name}`, `<${root.name}> is not a document virtform manages`, 'give each file one <domain>, <network>, <pool> or <volume> document'));
          continue;
      }
      const name = documentName(document);
      if (name === undefined) {
        issues.push(issue(f, root.pos.line, `/${root.name}/name`, `the ${root.name} has no <name>`, `add <name>...</name>`));
        continue;
      }
      const address = document.kind === 'volume' ? { kind: 'volume' as const, pool: document.pool, name } : { kind: document.kind, name };
      resources.push({ address, document, origin: f.label });
    } catch (e) {
      if (e instanceof ModelError) {
        for (const i of e.issues) issues.push({ severity: 'error', check: 'documents', ...i, fix: i.fix ?? 'correct the document' });
      } else if (e instanceof XmlSyntaxError) {
        issues.push({ severity: 'error', check: 'documents', pos: e.pos, path: '(document)', problem: `not well-formed XML: ${e.detail.replace(/^\d+:\d+: /, '')}`, fix: 'correct the XML syntax' });
      } else {
        throw e;
      }
    }
  }
  if (issues.length) throw new PlanError(issues);
  return { resources };
}
