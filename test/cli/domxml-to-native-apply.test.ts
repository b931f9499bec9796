/**
 * `virtform domxml-to-native qemu-argv` prints the command line apply starts: a domain applied
 * through the production wiring (real QEMU, TCG) runs with exactly the argv domxml-to-native
 * prints for its stored definition (read from /proc/PID/cmdline), and QEMU's environment is
 * exactly the variables it prints. The domain has what the launch path changes: a pty serial (the
 * console socket), a qcow2 disk (its backing chain read from the image), a NIC with its link
 * down, and no UUID in the stack (apply stores the one it generates).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { QemuCommandLine } from '../../provider/qemu/argv/command-line';
import { describeUnless, missingBinaryReason, QEMU_IMG, QEMU_X86_64 } from '../support/qemu';
import { cliRunner } from '../support/run-cli';
import { testApplySession } from '../support/test-apply-session';

describeUnless(missingBinaryReason(QEMU_X86_64) ?? missingBinaryReason(QEMU_IMG))('virtform domxml-to-native qemu-argv against a real apply', () => {
  jest.setTimeout(120000);
  let tmp: string;
  let root: string;
  let uri: string;
  const run = cliRunner(testApplySession());

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-d2n-apply-'));
    root = path.join(tmp, 'root');
    uri = `qemu:///embed?root=${root}`;
    execFileSync(QEMU_IMG, ['create', '-q', '-f', 'qcow2', path.join(tmp, 'disk.qcow2'), '16M']);
    fs.writeFileSync(
      path.join(tmp, 'd2n.xml'),
      `<domain type='qemu'>
  <name>d2n</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${tmp}/disk.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <interface type='user'><mac address='52:54:00:4c:05:01'/><model type='virtio'/><link state='down'/></interface>
    <serial type='pty'/>
  </devices>
</domain>
`,
    );
  });

  afterAll(async () => {
    await run('destroy', '-c', uri, '--stack', 'd2n', '--auto-approve');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('prints the argv the running QEMU has, -pidfile included, and exactly the environment it prints', async () => {
    const a = await run('apply', '-c', uri, '--xml', path.join(tmp, 'd2n.xml'), '--stack', 'd2n', '--auto-approve');
    expect([a.code, a.err]).toEqual([0, '']);
    const stored = path.join(root, 'domains', 'd2n.xml');
    const uuid = /<uuid>([^<]+)<\/uuid>/.exec(fs.readFileSync(stored, 'utf8'))![1];
    const pid = Number(fs.readFileSync(path.join(root, 'run', 'd2n', 'pid'), 'utf8').trim());
    const running = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);

    const d = await run('domxml-to-native', 'qemu-argv', stored, '-c', uri);
    expect([d.code, d.err]).toEqual([0, '']);
    const lines = d.out.split(' \\\n');
    const binary = lines.indexOf('/usr/bin/qemu-system-x86_64');
    const env = lines.slice(0, binary);
    const args = new QemuCommandLine(running[0]);
    args.args.push(...running.slice(1));
    expect(lines.slice(binary).join(' \\\n')).toBe(args.toArgsFile());

    // What the launch path put there, in the printed form.
    const runDir = path.join(root, 'run', 'd2n');
    expect(env).toEqual([
      'LC_ALL=C',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      `HOME=${runDir}/lib`,
      `XDG_DATA_HOME=${runDir}/lib/.local/share`,
      `XDG_CACHE_HOME=${runDir}/lib/.cache`,
      `XDG_CONFIG_HOME=${runDir}/lib/.config`,
    ]);
    expect(lines).toContain(`-uuid ${uuid}`);
    expect(lines).toContain(`-chardev socket,id=charserial0,path=${runDir}/console.sock,server=on,wait=off`);
    expect(lines).toContain(`-blockdev '{"node-name":"libvirt-1-format","read-only":false,"driver":"qcow2","file":"libvirt-1-storage","backing":null}'`);
    expect(lines[lines.length - 1]).toBe(`-pidfile ${runDir}/pid\n`);

    // Exactly those variables: QEMU starts with a cleared environment, as under libvirt (nothing of
    // the test runner's, e.g. its JEST_WORKER_ID, leaks in).
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').slice(0, -1);
    expect(environ).toEqual(env);
  });
});
