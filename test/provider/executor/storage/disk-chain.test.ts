/**
 * Disk backing chains read from the image files at launch (detectDiskChains), with real
 * qemu-img images, and the node numbers the argv builder then gives them: libvirt numbers every
 * node the XML names first (from the last disk down) and the layers it read from images after
 * those, again from the last disk down. The libvirt oracle (test/oracle, q35-overlay.xml) shows
 * the same numbers from a real libvirtd.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { backingChainArgv, backingStoreOf, detectDiskChains, parseBackingChain } from '../../../../provider/executor/storage/disk-chain';
import { LocalTransport } from '../../../../provider/host/local-transport';
import { buildDisks } from '../../../../provider/qemu/argv/sections/disks';
import { domainWith, runSection, testCtx } from '../../qemu/argv/storage-fixture';
import { missingBinaryReason, QEMU_IMG } from '../../../support/qemu';
import { itIf } from '../../../support/skip';

describe('disk chains from image files', () => {
  it('lists the chain with qemu-img, format given, images in use readable', () => {
    expect(backingChainArgv('/img/top.qcow2', 'qcow2')).toEqual(['qemu-img', 'info', '-U', '--output=json', '--backing-chain', '-f', 'qcow2', '/img/top.qcow2']);
  });

  it('turns the listing into <backingStore> layers ending with the empty one', () => {
    const chain = parseBackingChain(
      JSON.stringify([
        { filename: '/img/top.qcow2', format: 'qcow2', 'backing-filename': 'mid.qcow2' },
        { filename: '/img/mid.qcow2', format: 'qcow2' },
        { filename: '/dev/vg/base', format: 'raw' },
      ]),
      'vda',
    );
    expect(backingStoreOf(chain, (p) => p.startsWith('/dev/'))).toEqual({
      type: 'file',
      format: { type: 'qcow2' },
      source: { file: '/img/mid.qcow2' },
      backingStore: { type: 'block', format: { type: 'raw' }, source: { dev: '/dev/vg/base' }, backingStore: {} },
    });
    expect(backingStoreOf(parseBackingChain('[{"filename":"/img/a.qcow2","format":"qcow2"}]', 'vda'))).toEqual({});
    expect(() => parseBackingChain('nope', "disk 'vda' (/img/a)")).toThrow(`qemu-img info --backing-chain for disk 'vda' (/img/a) did not print JSON: "nope"`);
    expect(() => parseBackingChain('[]', 'vda')).toThrow('qemu-img info --backing-chain for vda printed no image list: []');
  });

  itIf(missingBinaryReason(QEMU_IMG) ?? null)('reads real images, leaves stated chains and raw images alone, and the argv numbers read layers last', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-chain-'));
    try {
      const img = (name: string, format: string, backing?: [string, string]): string => {
        const p = path.join(dir, name);
        execFileSync(QEMU_IMG, ['create', '-q', '-f', format, ...(backing ? ['-b', path.join(dir, backing[0]), '-F', backing[1]] : []), p, '16M']);
        return p;
      };
      const base = img('base.qcow2', 'qcow2');
      const top = img('top.qcow2', 'qcow2', ['base.qcow2', 'qcow2']);
      const bBase = img('b-base.raw', 'raw');
      const bMid = img('b-mid.qcow2', 'qcow2', ['b-base.raw', 'raw']);
      const bTop = img('b-top.qcow2', 'qcow2', ['b-mid.qcow2', 'qcow2']);
      const plain = img('plain.qcow2', 'qcow2');
      const raw = img('disk.raw', 'raw');
      const pci = (slot: number): string => `<address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='0x0'/>`;
      const def = domainWith(
        `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${top}'/><target dev='vda' bus='virtio'/><alias name='virtio-disk0'/>${pci(2)}</disk>
         <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${bTop}'/><target dev='vdb' bus='virtio'/><alias name='virtio-disk1'/>${pci(3)}</disk>
         <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='${plain}'/><backingStore/><target dev='vdc' bus='virtio'/><alias name='virtio-disk2'/>${pci(4)}</disk>
         <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='${raw}'/><target dev='vdd' bus='virtio'/><alias name='virtio-disk3'/>${pci(5)}</disk>
         <controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>`,
      );
      const detected = await detectDiskChains(new LocalTransport('qemu:///embed?root=/tmp'), def);
      const [vda, vdb, vdc, vdd] = def.devices!.disks!;
      expect(vda.backingStore).toEqual({ type: 'file', format: { type: 'qcow2' }, source: { file: base }, backingStore: {} });
      expect(vdb.backingStore).toEqual({
        type: 'file',
        format: { type: 'qcow2' },
        source: { file: bMid },
        backingStore: { type: 'file', format: { type: 'raw' }, source: { file: bBase }, backingStore: {} },
      });
      expect(vdc.backingStore).toEqual({});
      expect(vdd.backingStore).toBeUndefined();
      expect([...detected]).toEqual([vda.backingStore, vdb.backingStore, vdb.backingStore!.backingStore]);

      const nodes = runSection(buildDisks, def, testCtx({ detectedBackingStores: detected }))
        .filter((l) => l.startsWith('-blockdev') && l.includes('"node-name":"libvirt-') && l.includes('-format"'))
        .map((l) => {
          const o = JSON.parse(l.slice('-blockdev '.length)) as { 'node-name': string; file: string; backing?: string | null };
          return [o['node-name'], o.backing];
        });
      // Tops from the last disk down (vdd 1, vdc 2, vdb 3, vda 4), then read layers (vdb's 5, 6; vda's 7).
      expect(nodes).toEqual([
        ['libvirt-7-format', null],
        ['libvirt-4-format', 'libvirt-7-format'],
        ['libvirt-6-format', undefined],
        ['libvirt-5-format', 'libvirt-6-format'],
        ['libvirt-3-format', 'libvirt-5-format'],
        ['libvirt-2-format', null],
        ['libvirt-1-format', undefined],
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  itIf(missingBinaryReason(QEMU_IMG) ?? null)('names the disk and the image when an image cannot be read', async () => {
    const def = domainWith(`<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/nonexistent/vf.qcow2'/><target dev='vda' bus='virtio'/></disk>`);
    await expect(detectDiskChains(new LocalTransport('qemu:///embed?root=/tmp'), def)).rejects.toThrow(
      "localhost: cannot read the backing chain of disk 'vda' (/nonexistent/vf.qcow2): qemu-img: Could not open '/nonexistent/vf.qcow2': Could not open '/nonexistent/vf.qcow2': No such file or directory. Check that the image exists and is a qcow2 image.",
    );
  });
});
