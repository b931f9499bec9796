/** libvirt's hypervisor-independent define-time defaults (model/domain/defaults.ts). */
import { parseDomainXml, formatDomainXml } from '../../../model/domain/domain';
import { applyDomainDefaults } from '../../../model/domain/defaults';
import { sourceOf } from '../../../model/schema';
import { canonical, minimal, section } from './domain-xml';

describe('domain defaults', () => {
  it('changes nothing when applied a second time', () => {
    const xml = minimal(`  <vcpu placement='auto'>2</vcpu>
  <clock offset='utc' adjustment='10'/>
  <cpu><numa><cell cpus='0-1' memory='1048576'><distances><sibling id='0' value='10'/></distances></cell></numa></cpu>
  <iothreads>2</iothreads><iothreadids><iothread id='4'/></iothreadids>
  <devices><serial type='pty'/></devices>`);
    const once = canonical(xml);
    expect(canonical(once)).toBe(once);
  });

  it('generates a UUID only through the injected generator (the model stays pure)', () => {
    const xml = "<domain type='kvm'><name>a</name><memory>1024</memory><os><type>hvm</type></os></domain>";
    expect(applyDomainDefaults(parseDomainXml(xml)).uuid).toBeUndefined();
    expect(applyDomainDefaults(parseDomainXml(xml), { newUuid: () => '00000000-0000-4000-8000-000000000001' }).uuid).toBe(
      '00000000-0000-4000-8000-000000000001',
    );
  });

  it('fills <genid/> with a new id through the same generator', () => {
    const xml = minimal('  <genid/>');
    expect(applyDomainDefaults(parseDomainXml(xml)).genid).toBe('');
    expect(applyDomainDefaults(parseDomainXml(xml), { newUuid: () => '00010203-0405-4607-8809-0a0b0c0d0e0f' }).genid).toBe('00010203-0405-4607-8809-0a0b0c0d0e0f');
  });

  it('declares a metadata element\'s namespace on the element when it was declared on <domain>', () => {
    const xml = `<domain type='kvm' xmlns:app='http://example.org/app'>
  <name>a</name>
  <memory>1024</memory>
  <os><type>hvm</type></os>
  <metadata><app:tag><app:x/><y xmlns='urn:y'/></app:tag></metadata>
</domain>`;
    expect(section(canonical(xml), 'metadata')).toBe(`  <metadata>
    <app:tag xmlns:app="http://example.org/app">
      <app:x/>
      <y xmlns="urn:y"/>
    </app:tag>
  </metadata>
`);
  });

  it('sizes memory from the NUMA cells and memory devices only when <memory> is absent', () => {
    const numa = "<cpu><numa><cell cpus='0' memory='1048576'/><cell cpus='1' memory='524288'/></numa></cpu>";
    const dimm = "<devices><memory model='dimm'><target><size unit='MiB'>512</size><node>0</node></target></memory></devices>";
    const noMemory = `<domain type='kvm'><name>a</name><maxMemory slots='4' unit='GiB'>8</maxMemory><vcpu>2</vcpu><os><type>hvm</type></os>${numa}${dimm}</domain>`;
    const out = canonical(noMemory);
    expect(section(out, 'memory')).toBe("  <memory unit='KiB'>2097152</memory>\n");
    expect(section(out, 'currentMemory')).toBe("  <currentMemory unit='KiB'>2097152</currentMemory>\n");
    const given = noMemory.replace('<vcpu>', "<memory unit='KiB'>4194304</memory><vcpu>");
    expect(section(canonical(given), 'memory')).toBe("  <memory unit='KiB'>4194304</memory>\n");
  });

  it('adds <boot dev="hd"/> only when nothing else says how to boot', () => {
    const withOrder = minimal("  <devices><disk type='file' device='disk'><source file='/a.img'/><target dev='vda' bus='virtio'/><boot order='1'/></disk></devices>");
    expect(section(canonical(withOrder), 'os')).toBe("  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n");
    const exe = "<domain type='lxc'><name>c</name><memory>1024</memory><os><type>exe</type><init>/sbin/init</init></os></domain>";
    expect(section(canonical(exe), 'os')).toBe('  <os>\n    <type>exe</type>\n    <init>/sbin/init</init>\n  </os>\n');
  });

  it('keeps only user aliases (ua-) in a definition', () => {
    const out = canonical(minimal(`  <devices>
    <disk type='file' device='disk'><source file='/a.img'/><target dev='vda' bus='virtio'/><alias name='virtio-disk0'/></disk>
    <disk type='file' device='disk'><source file='/b.img'/><target dev='vdb' bus='virtio'/><alias name='ua-data'/></disk>
  </devices>`));
    expect(out).not.toContain('virtio-disk0');
    expect(out).toContain("      <alias name='ua-data'/>\n");
  });

  it('works in place so parsed objects keep their source positions', () => {
    const d = parseDomainXml(minimal("  <cpu><numa><cell cpus='0' memory='1048576'/></numa></cpu>"), 'vm.xml');
    const cell = d.cpu!.numa!.cells![0];
    expect(applyDomainDefaults(d)).toBe(d);
    expect(cell.id).toBe(0);
    expect(sourceOf(cell)?.pos).toEqual({ file: 'vm.xml', line: 8, column: 14 });
    expect(formatDomainXml(d)).toContain("<cell id='0' cpus='0' memory='1048576' unit='KiB'/>");
  });
});
