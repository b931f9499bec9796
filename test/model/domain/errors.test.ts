/**
 * What a user sees for bad domain XML: the file and line, the XML path, the value, the rule and
 * the fix, both for schema errors (at parse time) and for libvirt's cross-element rules.
 */
import { parseDomainXml, validateDomain, type Domain } from '../../../model/domain/domain';
import { ModelError } from '../../../model/errors';
import { XmlSyntaxError } from '../../../model/xml/dom';
import { issuesOf, minimal } from './domain-xml';

const parseError = (xml: string): string => {
  try {
    parseDomainXml(xml, 'vm1.xml');
  } catch (e) {
    if (e instanceof ModelError || e instanceof XmlSyntaxError) return e.message;
    throw e;
  }
  throw new Error('parsed without error');
};

describe('domain XML errors', () => {
  it('names an unknown top-level element, its line and what <domain> accepts', () => {
    const msg = parseError(minimal('  <memroy>1</memroy>'));
    expect(msg).toMatch(/^vm1\.xml:8: \/domain\/memroy: unsupported element <memroy> inside <domain> \(fix: remove it or check its spelling; <domain> accepts: name, uuid, genid, title, description, metadata, maxMemory, memory, currentMemory, /);
  });

  it('rejects a bad enumeration value with the allowed ones', () => {
    expect(parseError(minimal('  <on_crash>explode</on_crash>'))).toBe(
      "vm1.xml:8: /domain/on_crash: value 'explode' must be one of 'destroy', 'restart', 'preserve', 'rename-restart', 'coredump-destroy', 'coredump-restart' (fix: use one of destroy, restart, preserve, rename-restart, coredump-destroy, coredump-restart)",
    );
    expect(parseError(minimal("  <features>\n    <smm state='maybe'/>\n  </features>"))).toBe(
      "vm1.xml:9: /domain/features/smm/@state: attribute 'state' has value 'maybe', which must be one of 'on', 'off' (fix: use one of on, off)",
    );
  });

  it('rejects malformed CPU sets, unknown units and bad UUIDs where they are written', () => {
    expect(parseError(minimal("  <vcpu cpuset='0-3,x'>2</vcpu>"))).toBe(
      "vm1.xml:8: /domain/vcpu/@cpuset: attribute 'cpuset' has value '0-3,x', which is not a CPU set: 'x' is neither an id, a range 'a-b' nor an exclusion '^n' (fix: write ids and ranges, e.g. '0-3,^2,8')",
    );
    expect(parseError(minimal("  <numatune>\n    <memory nodeset='0,^0'/>\n  </numatune>"))).toBe(
      "vm1.xml:9: /domain/numatune/memory/@nodeset: attribute 'nodeset' has value '0,^0', which selects no CPUs at all (fix: list at least one id that is not excluded)",
    );
    expect(parseError(minimal("  <memoryBacking><hugepages><page size='2' unit='parsec'/></hugepages></memoryBacking>"))).toMatch(
      /^vm1\.xml:8: \/domain\/memoryBacking\/hugepages\/page\[1\]\/@unit: attribute 'unit' has value 'parsec', which must be a size unit such as KiB, MiB, GiB, KB, bytes/,
    );
    expect(parseError(minimal('  <genid>not-a-uuid</genid>'))).toBe(
      "vm1.xml:8: /domain/genid: value 'not-a-uuid' of <genid> must be a UUID (32 hex digits, e.g. 4dea22b3-1d52-d8f3-2516-782e98ab3fa0) (fix: write <genid/> to have one generated)",
    );
  });

  it('checks rules inside one element at parse time', () => {
    expect(parseError(minimal("  <cputune>\n    <vcpusched vcpus='0' scheduler='fifo'/>\n  </cputune>"))).toBe(
      "vm1.xml:9: /domain/cputune/vcpusched[1]: scheduler 'fifo' needs a priority (fix: add priority='1' (1-99))",
    );
    expect(parseError(minimal("  <clock offset='utc'>\n    <timer name='pit' frequency='100'/>\n  </clock>"))).toBe(
      "vm1.xml:9: /domain/clock/timer[1]/@frequency: timer 'pit' does not take a frequency (fix: frequency and mode apply to the tsc timer only)",
    );
    expect(parseError(minimal("  <seclabel type='static' model='selinux'/>"))).toBe(
      "vm1.xml:8: /domain/seclabel[1]: a static <seclabel> needs a <label> (fix: add <label>...</label> or use type='dynamic')",
    );
  });

  it('reports malformed XML with its line and column', () => {
    expect(parseError('<domain type="kvm">\n  <name>x</nam>\n</domain>')).toMatch(/^vm1\.xml:2:\d+: XML error: /);
  });

  it("reports libvirt's cross-element rules at the offending element", () => {
    expect(issuesOf(minimal("  <devices>\n    <disk type='file' device='disk'>\n      <source file='/a.img'/>\n      <target dev='vda' bus='virtio'/>\n      <boot order='1'/>\n    </disk>\n  </devices>", {
      os: "  <os>\n    <type>hvm</type>\n    <boot dev='cdrom'/>\n  </os>",
    }))).toEqual([
      "vm1.xml:7: /domain/os/boot: per-device boot elements cannot be used together with os/boot elements (fix: use either <os><boot dev=.../></os> or <boot order='N'/> in devices)",
    ]);
    expect(issuesOf(minimal(`  <vcpu>4</vcpu>
  <cputune>
    <vcpupin vcpu='4' cpuset='1'/>
    <iothreadpin iothread='2' cpuset='1'/>
  </cputune>
  <cpu>
    <numa>
      <cell id='0' cpus='0-2' memory='524288'/>
      <cell id='1' cpus='2-3' memory='524288'/>
    </numa>
  </cpu>`))).toEqual([
      "vm1.xml:16: /domain/cpu/numa/cell[2]/@cpus: NUMA cells 0 and 1 have overlapping vCPU ids (fix: vCPU 2 can belong to one cell only)",
      "vm1.xml:10: /domain/cputune/vcpupin[1]/@vcpu: vcpupin for vCPU 4, but the guest has 4 vCPUs (fix: use a vcpu id below 4)",
      "vm1.xml:11: /domain/cputune/iothreadpin[1]/@iothread: Cannot find 'iothread' : 2 (fix: pin an existing I/O thread (see <iothreads>/<iothreadids>))",
    ]);
  });

  it('names, memory, hugepages, SMBIOS and seclabels follow libvirt', () => {
    const xml = `<domain type='kvm'>
  <name>web/1</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memoryBacking>
    <hugepages>
      <page size='2048' unit='KiB' nodeset='1'/>
    </hugepages>
  </memoryBacking>
  <sysinfo type='smbios'>
    <bios><entry name='date'>2023-01-31</entry></bios>
    <system><entry name='uuid'>00000000-0000-0000-0000-000000000001</entry></system>
  </sysinfo>
  <os><type>hvm</type></os>
  <seclabel type='none'/>
  <seclabel type='dynamic' model='selinux'/>
  <seclabel type='dynamic' model='selinux'/>
</domain>`;
    expect(issuesOf(xml)).toEqual([
      "vm1.xml:2: /domain/name: name 'web/1' cannot contain '/' (fix: the name becomes a file name on the host; use letters, digits, - _ . and spaces)",
      "vm1.xml:1: /domain: Memory size must be specified via <memory> or in the <numa> configuration (fix: add <memory unit='MiB'>1024</memory>)",
      "vm1.xml:10: /domain/sysinfo[1]/bios: Invalid BIOS 'date' format: '2023-01-31' (fix: write mm/dd/yy or mm/dd/yyyy)",
      "vm1.xml:11: /domain/sysinfo[1]/system: UUID mismatch between <uuid> and <sysinfo> (fix: use the domain uuid c7a5fdbd-edaf-9455-926a-d65c16db1809)",
      "vm1.xml:16: /domain/seclabel[3]/@model: seclabel for model selinux is already provided (fix: keep one <seclabel> per model)",
      "vm1.xml:14: /domain/seclabel[1]: missing security model when using multiple labels (fix: add model='selinux' (or dac, apparmor, none))",
    ]);
  });

  it('names objects built in code by their property path under a label', () => {
    const domain = {
      type: 'kvm',
      name: 'db',
      memory: { value: 1048576 },
      vcpu: { count: 2 },
      os: { type: { type: 'hvm' } },
      cputune: { vcpuPins: [{ vcpu: 3, cpuset: '0' }] },
    } as Domain;
    expect(validateDomain(domain, 'App/db')).toEqual([
      { pos: undefined, path: 'App/db/cputune/vcpuPins/0', problem: 'vcpupin for vCPU 3, but the guest has 2 vCPUs', fix: 'use a vcpu id below 2' },
    ]);
    expect(validateDomain({ ...domain, vcpu: { count: 0 } } as Domain, 'App/db')).toEqual([
      { pos: undefined, path: 'App/db/vcpu/count', problem: 'value 0 must be >= 1', fix: undefined },
    ]);
  });
});
