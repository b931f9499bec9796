/**
 * examples/tiny, the one-file stack the README uses for `plan` and `domxml-to-native`: it plans
 * as one domain to create, and its QEMU command line comes out in libvirt's .args layout.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cliRunner } from '../support/run-cli';
import { describeUnless, missingBinaryReason, QEMU_X86_64 } from '../support/qemu';

const TINY = path.join(__dirname, '..', '..', 'examples', 'tiny', 'tiny.xml');

const run = cliRunner();

describe('examples/tiny', () => {
  it('plans one domain to create on an empty embedded root', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-tiny-'));
    try {
      const p = await run('plan', '-c', `qemu:///embed?root=${root}`, '--xml', TINY, '--detailed-exitcode');
      expect([p.code, p.err]).toEqual([2, '']);
      expect(p.out).toContain("virtform will perform the following actions on host localhost (stack 'tiny'):\n\n  # domain.tiny will be created\n");
      expect(p.out).toContain('\nPlan: 1 to add, 0 to change, 0 to destroy.\n');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describeUnless(missingBinaryReason(QEMU_X86_64))('examples/tiny with this machine\'s QEMU', () => {
  it('turns into a QEMU command line', async () => {
    const r = await run('domxml-to-native', 'qemu-argv', TINY);
    expect([r.code, r.err]).toEqual([0, '']);
    const lines = r.out.split(' \\\n');
    expect(lines).toContain('/usr/bin/qemu-system-x86_64');
    expect(lines).toContain('-name guest=tiny,debug-threads=on');
    expect(lines).toContain('-m 128');
    expect(lines).toContain('-smp 1,sockets=1,cores=1,threads=1');
    expect(lines).toContain('-device \'{"driver":"isa-serial","chardev":"charserial0","id":"serial0","index":0}\'');
  });
});
