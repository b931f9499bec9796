/**
 * Canonical documents: the same defaults on both sides, generated values adopted from the host,
 * generated values filled in by the executor, and hashing.
 */
import { parseDomainXml } from '../../model/domain/domain';
import { parsePoolXml } from '../../model/pool/pool';
import {
  MODEL_DEFAULTS,
  adoptGenerated,
  applyDefaults,
  definitionHash,
  fillGenerated,
  formatResourceDocument,
  parseStored,
  volumePathInPool,
} from '../../planner/canonical-document';
import type { ResourceDocument } from '../../planner/desired-state';
import { redactDocument, SENSITIVE_PLACEHOLDER } from '../../planner/sensitive-values';
import { locateXmlPath } from '../../planner/locate-xml-path';

const dom = (body: string): ResourceDocument => ({ kind: 'domain', doc: parseDomainXml(`<domain type='qemu'><name>a</name><memory>1024</memory><os><type>hvm</type></os>${body}</domain>`, 'a.xml') });

describe('volumePathInPool', () => {
  it('puts a volume of a directory pool in its directory', () => {
    expect(volumePathInPool('a.img', parsePoolXml(`<pool type='dir'><name>p</name><target><path>/srv/p/</path></target></pool>`))).toBe('/srv/p/a.img');
    expect(volumePathInPool('lv0', parsePoolXml(`<pool type='logical'><name>vg</name><source><name>vg</name></source></pool>`))).toBeUndefined();
  });
});

describe('defaults', () => {
  it('are idempotent: formatting twice gives the same text', () => {
    const d = dom(`<devices><disk type='file'><source file='/a'/><target dev='vda' bus='virtio'/></disk></devices>`);
    applyDefaults(d, MODEL_DEFAULTS, undefined);
    const once = formatResourceDocument(d);
    const again = parseStored('domain', once, 'x');
    applyDefaults(again, MODEL_DEFAULTS, undefined);
    expect(formatResourceDocument(again)).toBe(once);
  });

  it("give a volume its pool's defaults and path", () => {
    const v = parseStored('volume', `<volume><name>a.img</name><capacity unit='KiB'>1</capacity><target/></volume>`, 'v', 'p');
    applyDefaults(v, MODEL_DEFAULTS, parsePoolXml(`<pool type='dir'><name>p</name><target><path>/srv/p</path></target></pool>`));
    expect(formatResourceDocument(v)).toBe(
      `<volume type='file'>\n  <name>a.img</name>\n  <capacity unit='bytes'>1024</capacity>\n  <allocation unit='bytes'>1024</allocation>\n  <target>\n    <path>/srv/p/a.img</path>\n    <format type='raw'/>\n  </target>\n</volume>\n`,
    );
  });
});

describe('adoptGenerated', () => {
  it('takes the UUID and MACs the host generated, by interface position and type, never over stated values', () => {
    const desired = dom(`<devices><interface type='network'><source network='n'/></interface><interface type='bridge'><source bridge='br0'/></interface><interface type='network'><mac address='52:54:00:00:00:09'/><source network='n'/></interface></devices>`);
    const live = dom(`<devices><interface type='network'><mac address='52:54:00:00:00:01'/><source network='n'/></interface><interface type='network'><mac address='52:54:00:00:00:02'/><source network='n'/></interface><interface type='network'><mac address='52:54:00:00:00:03'/><source network='n'/></interface></devices>`);
    if (live.kind === 'domain') live.doc.uuid = '0e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b';
    adoptGenerated(desired, live);
    if (desired.kind !== 'domain') throw new Error();
    expect(desired.doc.uuid).toBe('0e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b');
    expect(desired.doc.devices!.interfaces!.map((i) => i.mac?.address)).toEqual(['52:54:00:00:00:01', undefined, '52:54:00:00:00:09']);
  });

  it("takes a network's bridge name and a volume's key and path", () => {
    const net = parseStored('network', `<network><name>n</name><bridge/></network>`, 'n');
    const liveNet = parseStored('network', `<network><name>n</name><uuid>0e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b</uuid><bridge name='virbr3'/><mac address='52:54:00:aa:bb:cc'/></network>`, 'n');
    adoptGenerated(net, liveNet);
    expect(formatResourceDocument(net)).toBe(
      `<network>\n  <name>n</name>\n  <uuid>0e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6b</uuid>\n  <bridge name='virbr3'/>\n  <mac address='52:54:00:aa:bb:cc'/>\n</network>\n`,
    );
    const vol = parseStored('volume', `<volume><name>v</name><target/></volume>`, 'v', 'p');
    adoptGenerated(vol, parseStored('volume', `<volume><name>v</name><key>/srv/v</key><target><path>/srv/v</path></target></volume>`, 'v', 'p'));
    expect(formatResourceDocument(vol)).toBe(`<volume>\n  <name>v</name>\n  <key>/srv/v</key>\n  <target>\n    <path>/srv/v</path>\n  </target>\n</volume>\n`);
  });
});

describe('fillGenerated', () => {
  it('fills UUIDs, genid and MACs from the generators and keeps stated values', () => {
    let n = 0;
    const gen = { uuid: () => `0e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a6${n++}`, mac: () => `52:54:00:00:00:0${n++}` };
    const xml = `<domain type='qemu'>\n  <name>a</name>\n  <genid/>\n  <memory unit='KiB'>1024</memory>\n  <os>\n    <type>hvm</type>\n  </os>\n  <devices>\n    <interface type='network'>\n      <source network='n'/>\n    </interface>\n    <interface type='network'>\n      <mac address='52:54:00:11:11:11'/>\n      <source network='n'/>\n    </interface>\n  </devices>\n</domain>\n`;
    const filled = fillGenerated('domain', xml, gen);
    expect(filled).toBe(
      `<domain type='qemu'>\n  <name>a</name>\n  <uuid>0e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a60</uuid>\n  <genid>0e2d3c4b-5a69-4788-9a0b-1c2d3e4f5a61</genid>\n  <memory unit='KiB'>1024</memory>\n  <os>\n    <type>hvm</type>\n  </os>\n  <devices>\n    <interface type='network'>\n      <mac address='52:54:00:00:00:02'/>\n      <source network='n'/>\n    </interface>\n    <interface type='network'>\n      <mac address='52:54:00:11:11:11'/>\n      <source network='n'/>\n    </interface>\n  </devices>\n</domain>\n`,
    );
    expect(fillGenerated('domain', filled, gen)).toBe(filled);
  });
});

describe('definitionHash', () => {
  it('is sha256 of the text', () => {
    expect(definitionHash('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('redactDocument', () => {
  it('replaces passwords and cookie values wherever they are', () => {
    const d = dom(`<devices><graphics type='vnc' passwd='pw1'/><graphics type='spice' passwd='pw2'/><disk type='network'><source protocol='https' name='/x'><host name='h'/><cookies><cookie name='s'>c1</cookie></cookies></source><target dev='vda'/></disk></devices>`);
    expect(redactDocument(d)).toBe(3);
    const text = formatResourceDocument(d);
    expect(text).not.toMatch(/pw1|pw2|>c1</);
    expect(text.split(SENSITIVE_PLACEHOLDER).length - 1).toBe(3);
  });
});

describe('locateXmlPath', () => {
  const d = parseDomainXml(
    `<domain type='qemu'>\n<name>a</name>\n<memory>1</memory>\n<vcpu>2</vcpu>\n<cputune>\n<vcpupin vcpu='0' cpuset='0'/>\n<vcpupin vcpu='1'\n cpuset='1'/>\n</cputune>\n<os><type>hvm</type></os>\n<devices>\n<disk type='file'><target dev='vda'/></disk>\n<disk type='file'>\n<target dev='vdb'/></disk>\n</devices>\n</domain>`,
    'f.xml',
  );
  it.each([
    ['/domain/name', 2],
    ['/domain/vcpu', 4],
    ["/domain/cputune/vcpupin[@vcpu='1']", 7],
    ["/domain/cputune/vcpupin[@vcpu='1']/@cpuset", 8],
    ['/domain/devices/disk[2]/target', 14],
    ['/domain/devices/disk[2]', 13],
    ['/domain/nothing/here', 1],
  ])('finds %s on line %d', (path, line) => {
    expect(locateXmlPath(d, path)?.line).toBe(line);
  });
});
