/** Read-only access to the libvirt test corpus (../shared/libvirt-9.0-tests), by relative path. */
import * as fs from 'fs';
import * as path from 'path';

export class Corpus {
  constructor(readonly root: string) {}

  has(rel: string): boolean {
    return fs.existsSync(path.join(this.root, rel));
  }

  read(rel: string): string {
    return fs.readFileSync(path.join(this.root, rel), 'utf8');
  }

  /** File names in a corpus folder, sorted; empty when the folder is missing. */
  list(relDir: string, suffix = ''): string[] {
    const dir = path.join(this.root, relDir);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(suffix))
      .sort();
  }

  /** Rows of a tab-separated index file as objects keyed by its header; empty when missing. */
  tsv(rel: string): Record<string, string>[] {
    if (!this.has(rel)) return [];
    const [head, ...rows] = this.read(rel).split('\n').filter((l) => l !== '');
    const keys = head.split('\t');
    return rows.map((r) => {
      const cells = r.split('\t');
      return Object.fromEntries(keys.map((k, i) => [k, cells[i] ?? '']));
    });
  }
}
