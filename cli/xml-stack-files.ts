/**
 * Reads `--xml PATH` from the local disk: one file, or every `*.xml` below a folder (sorted by
 * path, names starting with `.` skipped), for planner/xml-stack.ts. docs/xml-stacks.md
 * describes the layout. Also the default stack name: the folder's name, or the file's name
 * without `.xml`.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { StackFile } from '../planner/xml-stack';
import { VirtformError } from './errors';

export interface XmlStackFiles {
  readonly files: StackFile[];
  /** True for `--xml FILE`. */
  readonly single: boolean;
  /** The stack name when `--stack` is not given. */
  readonly defaultStack: string;
}

export function readXmlStackFiles(xmlPath: string): XmlStackFiles {
  let st: fs.Stats;
  try {
    st = fs.statSync(xmlPath);
  } catch (e) {
    throw new VirtformError(`--xml ${xmlPath}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}; give a libvirt XML file or a folder of them`);
  }
  const abs = path.resolve(xmlPath);
  if (st.isFile()) {
    return { files: [{ relPath: path.basename(abs), label: xmlPath, text: fs.readFileSync(abs, 'utf8') }], single: true, defaultStack: path.basename(abs).replace(/\.xml$/i, '') };
  }
  const files: StackFile[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const full = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const s = fs.statSync(full);
      if (s.isDirectory()) walk(full, r);
      else if (s.isFile() && name.endsWith('.xml')) files.push({ relPath: r, label: path.join(xmlPath, ...r.split('/')), text: fs.readFileSync(full, 'utf8') });
    }
  };
  walk(abs, '');
  files.sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0));
  if (files.length === 0) throw new VirtformError(`--xml ${xmlPath}: the folder holds no .xml file; put one document per file in it (docs/xml-stacks.md)`);
  return { files, single: false, defaultStack: path.basename(abs) };
}
