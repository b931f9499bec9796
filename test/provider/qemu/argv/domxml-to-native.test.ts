/**
 * `virtform domxml-to-native qemu-argv`: the command line for a domain XML file, here with caps
 * from a file (a virtform caps JSON, and libvirt's caps XML from the corpus when present).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main, type CliIo } from '../../../../cli/main';
import { capsToJson } from '../../../../provider/qemu/caps';
import { FIXTURE_CAPS } from './argv-fixture';
import { QEMU_CAPS_DIR, missingCorpusReason } from '../../../support/corpus';

function io(): CliIo & { outText: string; errText: string } {
  const r = { outText: '', errText: '', exitCode: 0, out: (s: string) => void (r.outText += s), err: (s: string) => void (r.errText += s) };
  return r;
}

const XML = `<domain type='kvm'>
  <name>web</name>
  <uuid>6ba7b810-9dad-11d1-80b4-00c04fd430c8</uuid>
  <memory unit='MiB'>512</memory>
  <vcpu>2</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>
`;

describe('virtform domxml-to-native qemu-argv', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-d2n-'));
    fs.writeFileSync(path.join(dir, 'web.xml'), XML);
    fs.writeFileSync(path.join(dir, 'caps.json'), JSON.stringify(capsToJson(FIXTURE_CAPS)));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints apply's command line in the .args layout for the given caps: paths under the URI's run dir, -pidfile included; nothing written", async () => {
    const out = io();
    const root = path.join(dir, 'state');
    const code = await main(['domxml-to-native', 'qemu-argv', path.join(dir, 'web.xml'), '-c', `qemu:///embed?root=${root}`, '--caps', path.join(dir, 'caps.json')], out);
    expect({ code, stderr: out.errText }).toEqual({ code: 0, stderr: '' });
    const lines = out.outText.split(' \\\n');
    // apply's environment and private dir (<run>/NAME/lib), then the binary.
    expect(lines.slice(0, 8)).toEqual([
      'LC_ALL=C',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      `HOME=${root}/run/web/lib`,
      `XDG_DATA_HOME=${root}/run/web/lib/.local/share`,
      `XDG_CACHE_HOME=${root}/run/web/lib/.cache`,
      `XDG_CONFIG_HOME=${root}/run/web/lib/.config`,
      '/usr/bin/qemu-system-x86_64',
      '-name guest=web,debug-threads=on',
    ]);
    expect(lines).toContain(`-object '{"qom-type":"secret","id":"masterKey0","format":"raw","file":"${root}/run/web/lib/master-key.aes"}'`);
    expect(lines).toContain('-accel kvm');
    expect(lines).toContain('-m 512');
    expect(lines).toContain('-smp 2,sockets=2,cores=1,threads=1');
    expect(lines).toContain('-uuid 6ba7b810-9dad-11d1-80b4-00c04fd430c8');
    expect(lines).toContain(`-chardev socket,id=charmonitor,path=${root}/run/web/qmp.sock,server=on,wait=off`);
    expect(lines).not.toContain('-no-acpi');
    // The launcher's own option last.
    expect(lines.slice(-2)).toEqual(['-msg timestamp=on', `-pidfile ${root}/run/web/pid\n`]);
    expect(fs.existsSync(root)).toBe(false);
  });

  it('makes up a UUID for a definition without one, as libvirt does', async () => {
    fs.writeFileSync(path.join(dir, 'nouuid.xml'), XML.replace(/ *<uuid>.*<\/uuid>\n/, ''));
    const uuids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const out = io();
      const code = await main(['domxml-to-native', 'qemu-argv', path.join(dir, 'nouuid.xml'), '-c', `qemu:///embed?root=${dir}/s3`, '--caps', path.join(dir, 'caps.json')], out);
      expect({ code, stderr: out.errText }).toEqual({ code: 0, stderr: '' });
      const u = out.outText.split(' \\\n').filter((l) => l.startsWith('-uuid '));
      expect(u).toHaveLength(1);
      expect(u[0]).toMatch(/^-uuid [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      uuids.push(u[0]);
    }
    expect(uuids[0]).not.toBe(uuids[1]);
  });

  it('rejects another native format and remote URIs', async () => {
    const a = io();
    expect(await main(['domxml-to-native', 'xen-xl', path.join(dir, 'web.xml')], a)).toBe(1);
    expect(a.errText).toBe("Error: unsupported native format 'xen-xl' (fix: use qemu-argv)\n");
    const b = io();
    expect(await main(['domxml-to-native', 'qemu-argv', path.join(dir, 'web.xml'), '-c', 'qemu+ssh://root@h1/system', '--caps', path.join(dir, 'caps.json')], b)).toBe(1);
    expect(b.errText).toContain("names a remote host");
  });

  const noCorpus = missingCorpusReason();
  (noCorpus ? it.skip : it)(`takes libvirt's caps XML with --caps${noCorpus ? ` (skipped: ${noCorpus})` : ''}`, async () => {
    const out = io();
    const code = await main(['domxml-to-native', 'qemu-argv', path.join(dir, 'web.xml'), '-c', `qemu:///embed?root=${dir}/s2`, '--caps', path.join(QEMU_CAPS_DIR, 'caps_8.0.0.x86_64.xml')], out);
    expect({ code, stderr: out.errText }).toEqual({ code: 0, stderr: '' });
    expect(out.outText).toContain('-machine pc-q35-8.0,usb=off,dump-guest-core=off,memory-backend=pc.ram \\\n');
  });
});
