import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../cli/main';

function capture() {
  let out = '';
  let err = '';
  return {
    io: { out: (s: string) => void (out += s), err: (s: string) => void (err += s), exitCode: 0 },
    get out() { return out; },
    get err() { return err; },
  };
}

describe('virtform domxml-format', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-domxml-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };

  it('prints the canonical XML with the generic defaults and a generated UUID when the domain\'s QEMU is not on this machine, exit 0', async () => {
    const p = file('web.xml', `<domain type="kvm">
  <vcpu>2</vcpu>
  <name>web</name>
  <memory unit="GiB">2</memory>
  <os><type arch="x86_64" machine="q35">hvm</type></os>
  <features><acpi/><hap/></features>
  <devices><emulator>/nonexistent/qemu-system-x86_64</emulator></devices>
</domain>`);
    const c = capture();
    expect(await main(['domxml-format', p], c.io)).toBe(0);
    expect(c.err).toBe('');
    expect(c.out.replace(/<uuid>[0-9a-f-]{36}<\/uuid>/, '<uuid>UUID</uuid>')).toBe(`<domain type='kvm'>
  <name>web</name>
  <uuid>UUID</uuid>
  <memory unit='KiB'>2097152</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <hap state='on'/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/nonexistent/qemu-system-x86_64</emulator>
  </devices>
</domain>
`);
    expect(c.out).toMatch(/<uuid>[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}<\/uuid>/);
  });

  it('lists every problem on stderr with file:line and exits 1', async () => {
    const p = file('bad.xml', "<domain type='kvm'>\n  <name>a/b</name>\n  <os><type>hvm</type></os>\n</domain>\n");
    const c = capture();
    expect(await main(['domxml-format', p], c.io)).toBe(1);
    expect(c.out).toBe('');
    expect(c.err).toBe(
      `Error: ${p}:2: /domain/name: name 'a/b' cannot contain '/' (fix: the name becomes a file name on the host; use letters, digits, - _ . and spaces)\n` +
        `${p}:1: /domain: Memory size must be specified via <memory> or in the <numa> configuration (fix: add <memory unit='MiB'>1024</memory>)\n`,
    );
  });

  it('reports schema errors at parse time with their line', async () => {
    const p = file('typo.xml', "<domain type='kvm'>\n  <name>a</name>\n  <memory>1024</memory>\n  <os><type>hvm</type></os>\n  <clock offset='utc' timezone='UTC'/>\n</domain>\n");
    const c = capture();
    expect(await main(['domxml-format', p], c.io)).toBe(1);
    expect(c.err).toBe(`Error: ${p}:5: /domain/clock/@timezone: offset 'utc' does not take a timezone\n`);
  });

  it('says so when the file cannot be read', async () => {
    const c = capture();
    expect(await main(['domxml-format', path.join(dir, 'missing.xml')], c.io)).toBe(1);
    expect(c.err).toBe(`Error: cannot read ${path.join(dir, 'missing.xml')}: no such file\n`);
  });
});

describe('domxmlFormat driver-defaults seam', () => {
  it('runs the driver pass after the generic defaults and before validation', async () => {
    const { domxmlFormat } = await import('../../cli/commands/domxml-format');
    const seen: string[] = [];
    const out = domxmlFormat("<domain type='kvm'><name>a</name><uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid><memory>1024</memory><os><type>hvm</type></os></domain>", 'a.xml', (d) => {
      seen.push(`${d.onPoweroff} ${d.vcpu?.placement}`);
      d.os.type.machine = 'q35';
      return d;
    });
    expect(seen).toEqual(['destroy static']);
    expect(out).toContain("    <type machine='q35'>hvm</type>\n");
  });
});
