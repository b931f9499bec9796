/**
 * `virtform domxml-to-native qemu-argv` with `<disk type='volume'>`: the pool and volume come from
 * the state of the -c URI, made here by a real apply (PoolExecutor and VolumeExecutor through the
 * production wiring, real qemu-img), and a missing pool or volume fails naming the disk, the pool
 * and the volume. Caps come from a file: no QEMU is started.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { capsToJson } from '../../provider/qemu/caps';
import { FIXTURE_CAPS } from '../provider/qemu/argv/argv-fixture';
import { describeUnless, missingBinaryReason, QEMU_IMG } from '../support/qemu';
import { cliRunner } from '../support/run-cli';
import { testApplySession } from '../support/test-apply-session';

const POOL = (dir: string) => `<pool type='dir'>\n  <name>images</name>\n  <target>\n    <path>${dir}</path>\n  </target>\n</pool>\n`;
const VOLUME = `<volume>\n  <name>disk0.qcow2</name>\n  <capacity unit='MiB'>16</capacity>\n  <target>\n    <format type='qcow2'/>\n  </target>\n</volume>\n`;
const DOMAIN = (pool: string, volume: string) => `<domain type='kvm'>
  <name>web</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='volume' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source pool='${pool}' volume='${volume}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
`;

describeUnless(missingBinaryReason(QEMU_IMG))('virtform domxml-to-native qemu-argv with volume disks', () => {
  jest.setTimeout(60000);
  let tmp: string;
  let root: string;
  let poolDir: string;
  let uri: string;
  let caps: string;
  const run = cliRunner(testApplySession());
  const domainFile = (name: string, pool: string, volume: string): string => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, DOMAIN(pool, volume));
    return f;
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-d2n-vol-'));
    root = path.join(tmp, 'root');
    poolDir = path.join(tmp, 'images');
    uri = `qemu:///embed?root=${root}`;
    const stack = path.join(tmp, 'stack');
    fs.mkdirSync(path.join(stack, 'pools'), { recursive: true });
    fs.mkdirSync(path.join(stack, 'volumes', 'images'), { recursive: true });
    fs.writeFileSync(path.join(stack, 'pools', 'images.xml'), POOL(poolDir));
    fs.writeFileSync(path.join(stack, 'volumes', 'images', 'disk0.xml'), VOLUME);
    const a = await run('apply', '-c', uri, '--xml', stack, '--stack', 'd2n', '--auto-approve');
    expect([a.code, a.err]).toEqual([0, '']);
    expect(fs.existsSync(path.join(poolDir, 'disk0.qcow2'))).toBe(true);
    caps = path.join(tmp, 'caps.json');
    fs.writeFileSync(caps, JSON.stringify(capsToJson(FIXTURE_CAPS)));
  });

  afterAll(async () => {
    await run('destroy', '-c', uri, '--stack', 'd2n', '--auto-approve');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("resolves the volume to its image in the pool's directory, from the URI's stored pool", async () => {
    const r = await run('domxml-to-native', 'qemu-argv', domainFile('ok.xml', 'images', 'disk0.qcow2'), '-c', uri, '--caps', caps);
    expect([r.code, r.err]).toEqual([0, '']);
    const lines = r.out.split(' \\\n');
    expect(lines).toContain(
      `-blockdev '{"driver":"file","filename":"${poolDir}/disk0.qcow2","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"}'`,
    );
    // apply reads the image's backing chain: it has no backing file, so QEMU is told so ("backing":null).
    expect(lines).toContain(`-blockdev '{"node-name":"libvirt-1-format","read-only":false,"driver":"qcow2","file":"libvirt-1-storage","backing":null}'`);
    expect(lines).toContain(`-chardev socket,id=charmonitor,path=${root}/run/web/qmp.sock,server=on,wait=off`);
    // Only read: the state has no domain and no run directory afterwards.
    expect(fs.readdirSync(path.join(root, 'domains'))).toEqual([]);
    expect(fs.existsSync(path.join(root, 'run', 'web'))).toBe(false);
  });

  it('names the disk, the pool and the stored pool file when the pool is not defined', async () => {
    const f = domainFile('nopool.xml', 'scratch', 'disk0.qcow2');
    const r = await run('domxml-to-native', 'qemu-argv', f, '-c', uri, '--caps', caps);
    expect([r.code, r.out]).toEqual([1, '']);
    expect(r.err).toBe(
      `Error: ${f}: localhost: domain 'web': cannot read the storage pools of its volume disks: ` +
        `disk 'vda' (<source pool='scratch' volume='disk0.qcow2'/>): storage pool 'scratch' is not defined on this host (${root}/pools/scratch.xml) ` +
        '(fix: define the pool, with its volume, in the stack and apply it, or name an existing pool)\n',
    );
  });

  it('names the disk, the pool and the volume when the pool has no such volume', async () => {
    const f = domainFile('novol.xml', 'images', 'data.qcow2');
    const r = await run('domxml-to-native', 'qemu-argv', f, '-c', uri, '--caps', caps);
    expect([r.code, r.out]).toEqual([1, '']);
    expect(r.err).toBe(
      `Error: ${f}: localhost: domain 'web': cannot read the storage pools of its volume disks: ` +
        `disk 'vda' (<source pool='images' volume='data.qcow2'/>): storage volume 'data.qcow2' is not defined in pool 'images' (${root}/volumes/images/data.qcow2.xml) ` +
        "(fix: define the volume in the stack and apply it, or name an existing volume of pool 'images')\n",
    );
  });

  it("looks in the embedded default's state (./.virtform) without -c", async () => {
    const cwd = process.cwd();
    const here = fs.mkdtempSync(path.join(tmp, 'cwd-'));
    process.chdir(here);
    try {
      const r = await run('domxml-to-native', 'qemu-argv', domainFile('default.xml', 'images', 'disk0.qcow2'), '--caps', caps);
      expect([r.code, r.out]).toEqual([1, '']);
      expect(r.err).toContain(`storage pool 'images' is not defined on this host (${here}/.virtform/pools/images.xml)`);
      expect(fs.existsSync(path.join(here, '.virtform'))).toBe(false); // nothing was created
    } finally {
      process.chdir(cwd);
    }
  });
});
