import type { Static } from '@sinclair/typebox';
import { parseXml, XmlSyntaxError } from '../../model/xml/dom';
import * as X from '../../model/schema';
import { ModelError } from '../../model/errors';

const Address = X.element({
  type: X.reqAttr(X.enumOf('pci', 'drive')),
  domain: X.attr(X.hex(4)),
  bus: X.attr(X.hex(2)),
  slot: X.attr(X.hex(2)),
  function: X.attr(X.hex(1)),
});

const Disk = X.element({
  type: X.attr(X.enumOf('file', 'block')),
  device: X.attr(X.enumOf('disk', 'cdrom')),
  source: X.child(X.element({ file: X.attr(X.str()), dev: X.attr(X.str()) })),
  target: X.reqChild(X.element({ dev: X.reqAttr(X.str()), bus: X.attr(X.enumOf('virtio', 'sata')) })),
  readonly: X.flag(),
  address: X.child(Address),
});

const Ip = X.element({ address: X.attr(X.str()) }, { neverSelfClose: true });

const Toy = X.element({
  type: X.reqAttr(X.enumOf('kvm', 'qemu')),
  name: X.reqTextChild(X.str()),
  uuid: X.textChild(X.uuid()),
  memory: X.childValue(X.scaled({ canonical: 'KiB' })),
  metadata: X.childValue(X.opaqueChildren()),
  onPoweroff: X.textChild(X.enumOf('destroy', 'restart'), { xml: 'on_poweroff' }),
  ip: X.children(Ip),
  disks: X.children(Disk, { xml: 'disk' }),
});
type Toy = Static<typeof Toy>;

const parse = (xml: string) => X.bindDocument(parseXml(xml, 'toy.xml'), Toy, 'toy');

describe('schema DSL binding', () => {
  const input = `<toy type="kvm">
  <name>vm&amp;1</name>
  <uuid>C7A5FDBDEDAF9455926AD65C16DB1809</uuid>
  <memory unit="MiB">512</memory>
  <metadata>
    <app1:foo xmlns:app1="http://foo.org/">fooish</app1:foo>
  </metadata>
  <on_poweroff>destroy</on_poweroff>
  <ip address='10.0.0.1'></ip>
  <disk type='file' device='disk'>
    <target bus='virtio' dev='vda'/>
    <source file="/var/lib/a b.qcow2"/>
    <readonly/>
    <address type='pci' slot='3' bus='0' domain='0' function='0'/>
  </disk>
</toy>`;

  it('parses into typed values with units and normalisations applied', () => {
    const t: Toy = parse(input);
    expect(t.type).toBe('kvm');
    expect(t.name).toBe('vm&1');
    expect(t.uuid).toBe('c7a5fdbd-edaf-9455-926a-d65c16db1809');
    expect(t.memory).toBe(524288);
    expect(t.onPoweroff).toBe('destroy');
    expect(t.disks).toEqual([
      {
        type: 'file',
        device: 'disk',
        target: { bus: 'virtio', dev: 'vda' },
        source: { file: '/var/lib/a b.qcow2' },
        readonly: true,
        address: { type: 'pci', slot: 3, bus: 0, domain: 0, function: 0 },
      },
    ]);
  });

  it("formats in definition order with libvirt's quoting, units and hex widths", () => {
    expect(X.formatDocument(parse(input), Toy, 'toy')).toBe(`<toy type='kvm'>
  <name>vm&amp;1</name>
  <uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>
  <memory unit='KiB'>524288</memory>
  <metadata>
    <app1:foo xmlns:app1="http://foo.org/">fooish</app1:foo>
  </metadata>
  <on_poweroff>destroy</on_poweroff>
  <ip address='10.0.0.1'>
  </ip>
  <disk type='file' device='disk'>
    <source file='/var/lib/a b.qcow2'/>
    <target dev='vda' bus='virtio'/>
    <readonly/>
    <address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>
  </disk>
</toy>
`);
  });

  it('rejects an unknown attribute naming the file, line, path and what is accepted', () => {
    const xml = `<toy type='kvm'>\n  <name>a</name>\n  <disk>\n    <target dev='vda' bsu='virtio'/>\n  </disk>\n</toy>`;
    expect(() => parse(xml)).toThrow(ModelError);
    expect(() => parse(xml)).toThrow(
      "toy.xml:4: /toy/disk[1]/target/@bsu: unsupported attribute 'bsu' on <target> (fix: remove it or check its spelling; <target> accepts: dev, bus)",
    );
  });

  it('rejects an unknown element with its line', () => {
    expect(() => parse(`<toy type='kvm'>\n<name>a</name>\n<colour>red</colour>\n</toy>`)).toThrow(
      "toy.xml:3: /toy/colour: unsupported element <colour> inside <toy> (fix: remove it or check its spelling; <toy> accepts: name, uuid, memory, metadata, on_poweroff, ip, disk)",
    );
  });

  it('rejects a bad enum value naming the value and the allowed ones', () => {
    expect(() => parse(`<toy type='xen'><name>a</name></toy>`)).toThrow(
      "toy.xml:1: /toy/@type: attribute 'type' has value 'xen', which must be one of 'kvm', 'qemu' (fix: use one of kvm, qemu)",
    );
  });

  it('rejects a bad unit', () => {
    expect(() => parse(`<toy type='kvm'><name>a</name>\n<memory unit='parsec'>1</memory></toy>`)).toThrow(
      "toy.xml:2: /toy/memory/@unit: unknown unit 'parsec'",
    );
  });

  it('reports malformed XML with file, line and column', () => {
    expect(() => parse(`<toy type='kvm'>\n<name>a</nam>\n</toy>`)).toThrow(XmlSyntaxError);
    expect(() => parse(`<toy type='kvm'>\n<name>a</nam>\n</toy>`)).toThrow(/^toy\.xml:2:\d+: XML error: /);
  });

  it('validates parsed documents and reports missing required parts with the XML position', () => {
    const t = parse(`<toy type='kvm'>\n<name>a</name>\n<disk type='file'>\n</disk>\n</toy>`);
    expect(X.validateShape(Toy, t)).toEqual([
      {
        pos: { file: 'toy.xml', line: 3, column: 1 },
        path: '/toy/disk[1]',
        problem: 'missing required element <target>',
        fix: 'add the element <target>',
      },
    ]);
  });

  it('validates objects built in code, naming the JSON path under a label', () => {
    const t = { type: 'kvm', name: 'x', disks: [{ target: { dev: 'vda', bus: 'scsi' } }] } as unknown as Toy;
    const issues = X.validateShape(Toy, t, 'App/vm1');
    expect(issues).toEqual([
      {
        pos: undefined,
        path: 'App/vm1/disks/0/target/bus',
        problem: "value 'scsi' must be one of 'virtio', 'sata'",
        fix: 'use one of virtio, sata',
      },
    ]);
  });

  it('exposes a plain JSON Schema with no XML metadata visible to JSON', () => {
    const json = JSON.parse(JSON.stringify(Toy));
    expect(json.type).toBe('object');
    expect(json.required).toEqual(['type', 'name']);
    expect(json.properties.disks.items.properties.target.required).toEqual(['dev']);
  });
});
