/**
 * libvirt's caps XML from the conformance corpus. Expected numbers were counted with grep on the
 * files (e.g. `grep -c "<machine type='kvm'" caps_8.0.0.x86_64.xml` = 60), not with this loader.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadLibvirtCapsFile, loadLibvirtCapsXml } from '../../../../provider/qemu/caps/libvirt-caps-xml';
import { defaultMachine, findCpuModel, findMachine, hasFlag, hasTypeProperty } from '../../../../provider/qemu/caps/qemu-caps';
import { missingCorpusReason, QEMU_CAPS_DIR } from '../../../support/corpus';
import { describeUnless } from '../../../support/qemu';

describeUnless(missingCorpusReason())('libvirt caps XML loader (corpus)', () => {
  const file = (v: string) => path.join(QEMU_CAPS_DIR, `caps_${v}.x86_64.xml`);

  it('loads caps_8.0.0 ("x86_64-latest", QEMU 7.2.50) with exact identity, flags and machines', async () => {
    const caps = await loadLibvirtCapsFile(file('8.0.0'));
    expect(caps.emulator).toBe('/usr/bin/qemu-system-x86_64');
    expect(caps.arch).toBe('x86_64');
    expect(caps.version).toBe(7002050);
    expect(caps.versionString).toBe('7.2.50');
    expect(caps.package).toBe('v7.2.0-333-g222059a0fc');
    expect(caps.kvmAvailable).toBe(true);
    expect(caps.flags.size).toBe(199);
    for (const f of ['machine-hpet', 'device.json+hotplug', 'virtio-blk-pci.scsi', 'netdev.stream', 'kvm', 'tcg']) {
      expect(hasFlag(caps, f)).toBe(true);
    }
    expect(hasFlag(caps, 'no-hpet')).toBe(false);
    expect(hasFlag(caps, 'blockdev')).toBe(false); // libvirt 9.0 no longer has this flag: -blockdev is always used
    expect(caps.accel.kvm!.machines).toHaveLength(60);
    expect(caps.accel.tcg!.machines).toHaveLength(60);
    expect(defaultMachine(caps, 'kvm')).toEqual({
      name: 'pc-i440fx-8.0',
      alias: 'pc',
      isDefault: true,
      maxCpus: 255,
      hotplugCpus: true,
      deprecated: false,
      defaultCpuType: 'qemu64-x86_64-cpu',
      defaultRamId: 'pc.ram',
      numaMemSupported: false,
    });
    expect(findMachine(caps, 'tcg', 'q35')?.name).toBe('pc-q35-8.0');
    expect(findMachine(caps, 'tcg', 'q35')?.maxCpus).toBe(288);
    expect(findMachine(caps, 'kvm', 'pc-i440fx-1.4')).toMatchObject({ deprecated: true, numaMemSupported: true });
    expect(findMachine(caps, 'kvm', 'microvm')).toMatchObject({ defaultRamId: 'microvm.ram', hotplugCpus: false });
    expect(findMachine(caps, 'kvm', 'x-remote')).toEqual({
      name: 'x-remote', isDefault: false, maxCpus: 1, hotplugCpus: false, deprecated: false, numaMemSupported: false,
    });
  });

  it('reads CPU models per accelerator with their blockers', async () => {
    const caps = await loadLibvirtCapsFile(file('8.0.0'));
    expect(caps.accel.kvm!.cpuModels).toHaveLength(132);
    expect(caps.accel.tcg!.cpuModels).toHaveLength(132);
    expect(caps.accel.kvm!.cpuModels.filter((c) => c.usable === 'no')).toHaveLength(87);
    expect(findCpuModel(caps, 'kvm', 'phenom-v1')).toEqual({
      name: 'phenom-v1', typename: 'phenom-v1-x86_64-cpu', usable: 'no', unavailableFeatures: ['3dnowext', '3dnow'], deprecated: false,
    });
    expect(findCpuModel(caps, 'kvm', 'qemu64')).toMatchObject({ usable: 'yes', unavailableFeatures: [] });
    expect(findCpuModel(caps, 'kvm', 'Skylake-Client-v4')!.unavailableFeatures.slice(0, 3)).toEqual(['pcid', 'erms', 'invpcid']);
    expect(findCpuModel(caps, 'tcg', 'Skylake-Client-v4')!.unavailableFeatures.slice(0, 3)).toEqual(['pcid', 'x2apic', 'tsc-deadline']);
  });

  it('takes QOM types and device properties from the .replies transcript beside the XML', async () => {
    const caps = await loadLibvirtCapsFile(file('8.0.0'));
    expect(caps.qomTypes.size).toBe(622);
    expect(caps.qomTypes.has('virtio-net-pci')).toBe(true);
    expect(caps.deviceProps['virtio-blk-pci']).toHaveLength(72);
    expect(caps.deviceProps['virtio-blk-pci']).toContainEqual({
      name: 'addr', type: 'int32', defaultValue: -1, description: 'Slot and optional function number, example: 06.0 or 06',
    });
    expect(hasTypeProperty(caps, 'memory-backend-file', 'prealloc-threads')).toBe(true);
    expect(hasTypeProperty(caps, 'virtio-blk-pci', 'no-such-prop')).toBe(false);
  });

  it('loads caps_7.2.0 (QEMU 7.2.0 as released): -no-hpet era, 7.2 machines as default', async () => {
    const caps = await loadLibvirtCapsFile(file('7.2.0'));
    expect(caps.version).toBe(7002000);
    expect(caps.versionString).toBe('7.2.0');
    expect(caps.package).toBe('v7.2.0');
    expect(caps.flags.size).toBe(199);
    expect(hasFlag(caps, 'no-hpet')).toBe(true);
    expect(hasFlag(caps, 'machine-hpet')).toBe(false);
    expect(caps.accel.kvm!.machines).toHaveLength(58);
    expect(defaultMachine(caps, 'tcg')?.name).toBe('pc-i440fx-7.2');
    expect(findMachine(caps, 'kvm', 'q35')?.name).toBe('pc-q35-7.2');
    expect(caps.qomTypes.size).toBe(616);
  });

  it('without a transcript, has no QOM types or device properties', async () => {
    const caps = await loadLibvirtCapsXml(fs.readFileSync(file('7.2.0'), 'utf8'));
    expect(caps.qomTypes.size).toBe(0);
    expect(caps.deviceProps).toEqual({});
    expect(caps.flags.size).toBe(199);
  });
});

describe('libvirt caps XML loader (inline documents)', () => {
  it('reads a minimal document', async () => {
    const caps = await loadLibvirtCapsXml(
      `<qemuCaps>
  <emulator>/opt/qemu/bin/qemu-system-x86_64</emulator>
  <version>8001002</version>
  <package>custom</package>
  <arch>x86_64</arch>
  <flag name='tcg'/>
  <machine type='tcg' name='pc-q35-8.1' alias='q35' maxCpus='1024' default='yes'/>
  <cpu type='tcg' name='Haswell' usable='no'><blocker name='avx2'/></cpu>
</qemuCaps>`,
    );
    expect(caps).toEqual({
      emulator: '/opt/qemu/bin/qemu-system-x86_64',
      arch: 'x86_64',
      version: 8001002,
      versionString: '8.1.2',
      package: 'custom',
      kvmAvailable: false,
      flags: new Set(['tcg']),
      qomTypes: new Set(),
      deviceProps: {},
      objectProps: {},
      accel: {
        tcg: {
          machines: [
            { name: 'pc-q35-8.1', alias: 'q35', isDefault: true, maxCpus: 1024, hotplugCpus: false, deprecated: false, numaMemSupported: false },
          ],
          cpuModels: [{ name: 'Haswell', usable: 'no', unavailableFeatures: ['avx2'], deprecated: false }],
        },
      },
    });
  });

  it('names the file and line of a malformed document', async () => {
    await expect(loadLibvirtCapsXml('<qemuCaps>\n<version>1</version>\n<flag name="x">\n</qemuCaps>', undefined, 'caps.xml')).rejects.toThrow(
      /^caps\.xml:4: /,
    );
    await expect(loadLibvirtCapsXml('<domain/>', undefined, 'd.xml')).rejects.toThrow('d.xml:1: expected <qemuCaps>, found <domain>');
  });
});
