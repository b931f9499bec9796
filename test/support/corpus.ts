/** Where the libvirt 9.0 conformance corpus is, and why tests that need it skip. */
import * as fs from 'fs';
import * as path from 'path';

export const CORPUS_DIR = process.env.VIRTFORM_CORPUS ?? path.join(__dirname, '..', '..', '..', 'shared', 'libvirt-9.0-tests');
export const QEMU_CAPS_DIR = path.join(CORPUS_DIR, 'tests', 'qemucapabilitiesdata');

/** undefined when the corpus is present, otherwise the reason to skip. */
export function missingCorpusReason(): string | undefined {
  return fs.existsSync(path.join(QEMU_CAPS_DIR, 'caps_8.0.0.x86_64.xml'))
    ? undefined
    : `the libvirt conformance corpus is not at ${CORPUS_DIR} (set VIRTFORM_CORPUS)`;
}
