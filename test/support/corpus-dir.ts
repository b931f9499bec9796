/** Where the libvirt 9.0 test corpus is for tests that use it, and why they skip without it. */
import * as fs from 'fs';
import * as path from 'path';

export const CORPUS_DIR = process.env.VIRTFORM_CORPUS ?? path.join(__dirname, '..', '..', '..', 'shared', 'libvirt-9.0-tests');

/** undefined when `rel` exists in the corpus, otherwise the reason to skip. */
export function corpusSkipReason(rel: string): string | undefined {
  return fs.existsSync(path.join(CORPUS_DIR, rel)) ? undefined : `the libvirt 9.0 test corpus is not at ${CORPUS_DIR} (set VIRTFORM_CORPUS)`;
}

/** `describe`, or `describe.skip` with the reason in the title when the corpus folder is absent. */
export function describeWithCorpus(title: string, rel: string, body: () => void): void {
  const reason = corpusSkipReason(rel);
  if (reason) describe.skip(`${title} (skipped: ${reason})`, body);
  else describe(title, body);
}
