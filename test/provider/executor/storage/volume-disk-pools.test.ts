/**
 * volumeDiskPools: the stored pools of a domain's volume disks, as the argv builder takes them.
 * The store here is a map of definitions (the real StateStore is exercised by
 * test/cli/domxml-to-native-volumes.test.ts, with a pool and volume made by a real apply).
 */
import { parseDomainXml } from '../../../../model/domain/domain';
import type { DefinitionStore, StoreRef, StoredEntry } from '../../../../provider/executor/apply/definition-store';
import { volumeDiskPools } from '../../../../provider/executor/storage/volume-disk-pools';

function store(defs: Record<string, string>): Pick<DefinitionStore, 'get'> & { readonly asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    get: async (ref: StoreRef): Promise<StoredEntry> => {
      const key = ref.kind === 'volume' ? `volume:${ref.pool}/${ref.name}` : `${ref.kind}:${ref.name}`;
      asked.push(key);
      return { ref, xml: defs[key] ?? null, owner: null };
    },
  };
}

const domain = (disks: string) =>
  parseDomainXml(`<domain type='kvm'><name>d</name><memory>1024</memory><os><type>hvm</type></os><devices>${disks}</devices></domain>`, 'd.xml');
const volumeDisk = (pool: string, volume: string, dev: string) => `<disk type='volume' device='disk'><source pool='${pool}' volume='${volume}'/><target dev='${dev}'/></disk>`;
const DIR_POOL = "<pool type='dir'><name>images</name><target><path>/srv/images</path></target></pool>";
const LOGICAL_POOL = "<pool type='logical'><name>vg</name><target><path>/dev/vg</path></target></pool>";

describe('volumeDiskPools', () => {
  it('is undefined, and reads nothing, for a domain without volume disks', async () => {
    const s = store({});
    expect(await volumeDiskPools(domain("<disk type='file'><source file='/a.img'/><target dev='vda'/></disk>"), s)).toBeUndefined();
    expect(s.asked).toEqual([]);
  });

  it('reads each pool once, and gives dir pool volumes as <target path>/<volume>', async () => {
    const s = store({ 'pool:images': DIR_POOL, 'pool:vg': LOGICAL_POOL });
    const pools = (await volumeDiskPools(domain(volumeDisk('images', 'a.qcow2', 'vda') + volumeDisk('images', 'b.raw', 'vdb') + volumeDisk('vg', 'lv0', 'vdc')), s))!;
    expect(s.asked).toEqual(['pool:images', 'pool:vg']); // pools only: volumes not required
    const images = pools.pool('images')!;
    expect([images.type, images.target?.path]).toEqual(['dir', '/srv/images']);
    expect(pools.volume('images', images, 'b.raw')).toEqual({ type: 'file', path: '/srv/images/b.raw' });
    expect(pools.volume('vg', pools.pool('vg')!, 'lv0')).toBeUndefined(); // no local volume paths for logical pools here
    expect(pools.pool('other')).toBeUndefined();
  });

  it('with requireVolumes, names the disk, pool and volume whose definition is missing', async () => {
    const s = store({ 'pool:images': DIR_POOL, 'volume:images/a.qcow2': '<volume><name>a.qcow2</name><capacity>1</capacity></volume>' });
    const def = domain(volumeDisk('images', 'a.qcow2', 'vda') + volumeDisk('images', 'gone.qcow2', 'vdb'));
    await expect(volumeDiskPools(def, s, { requireVolumes: true, stateDir: '/var/lib/virtform' })).rejects.toThrow(
      "disk 'vdb' (<source pool='images' volume='gone.qcow2'/>): storage volume 'gone.qcow2' is not defined in pool 'images' (/var/lib/virtform/volumes/images/gone.qcow2.xml) " +
        "(fix: define the volume in the stack and apply it, or name an existing volume of pool 'images')",
    );
    await expect(volumeDiskPools(domain(volumeDisk('nope', 'x', 'vda')), s)).rejects.toThrow(
      "disk 'vda' (<source pool='nope' volume='x'/>): storage pool 'nope' is not defined on this host (fix: define the pool, with its volume, in the stack and apply it, or name an existing pool)",
    );
  });
});
