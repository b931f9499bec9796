/**
 * libvirt's domain-wide QEMU validation messages (exact text, as libvirt 9.0 prints them).
 */
import { fixtureContext, FIXTURE_CAPS, parseDomain } from './argv-fixture';
import { validateGeneral } from '../../../../provider/qemu/validate/general';

function check(body: string, opts: { type?: string; emulator?: string } = {}): void {
  const xml = `<domain type='${opts.type ?? 'qemu'}'><name>v</name><memory unit='MiB'>64</memory>${body}<devices><emulator>${opts.emulator ?? '/usr/bin/qemu-system-x86_64'}</emulator></devices></domain>`;
  const d = parseDomain(xml);
  validateGeneral(d, FIXTURE_CAPS, fixtureContext('v'));
}

const os = (inner = '', machine = 'pc', attrs = '') => `<os${attrs}><type arch='x86_64' machine='${machine}'>hvm</type>${inner}</os>`;

describe('validateGeneral', () => {
  it('accepts a plain domain', () => {
    expect(() => check(os())).not.toThrow();
  });

  it.each([
    ['an arch the emulator does not run', `<os><type arch='aarch64' machine='virt'>hvm</type></os>`, {}, "unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support arch 'aarch64'"],
    ['a virt type the emulator lacks', os('', 'q35'), { type: 'hvf' }, "unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support virt type 'hvf'"],
    ['an unknown machine', os('', 'pc-i440fx-99.0'), {}, "unsupported configuration: Emulator '/usr/bin/qemu-system-x86_64' does not support machine type 'pc-i440fx-99.0'"],
    ['firmware features without autoselection', os(`<loader readonly='yes' type='pflash'>/c.fd</loader><firmware><feature enabled='no' name='enrolled-keys'/></firmware>`), {}, 'cannot use feature-based firmware autoselection when firmware autoselection is disabled'],
    ['enrolled keys without secure boot', os(`<firmware><feature enabled='yes' name='enrolled-keys'/><feature enabled='no' name='secure-boot'/></firmware>`, 'q35', ` firmware='efi'`), {}, "firmware feature 'enrolled-keys' cannot be enabled when firmware feature 'secure-boot' is disabled"],
    ['a loader path with autoselection', os(`<loader>/path/to/OVMF_CODE.fd</loader>`, 'q35', ` firmware='efi'`), {}, "loader attribute 'type' cannot be specified when firmware autoselection is enabled"],
    ['an insecure loader with autoselection', os(`<loader secure='no'/>`, 'q35', ` firmware='efi'`), {}, "loader attribute 'secure' cannot be specified when firmware autoselection is enabled"],
    ['NVRAM for BIOS', os(`<nvram>/var/vars.fd</nvram>`, 'q35', ` firmware='bios'`), {}, "firmware type 'bios' does not support nvram"],
    ['a stateful BIOS loader', os(`<loader stateless='no'/>`, 'q35', ` firmware='bios'`), {}, 'Only EFI firmware permits NVRAM'],
    ['NVRAM with a stateless loader', os(`<loader stateless='yes' readonly='yes' type='pflash'>/c.fd</loader><nvram>/v.fd</nvram>`), {}, 'NVRAM is not permitted when loader is stateless'],
    ['an NVRAM template with a stateless loader', os(`<loader stateless='yes' readonly='yes' type='pflash'>/c.fd</loader><nvram template='/t.fd'/>`), {}, 'NVRAM template is not permitted when loader is stateless'],
    ['a TSEG on i440fx', `${os()}<features><smm state='on'><tseg unit='MiB'>48</tseg></smm></features>`, {}, 'unsupported configuration: SMM TSEG is only supported with q35 machine type'],
    ['a TSEG that is not whole MiB', `${os('', 'q35')}<features><smm state='on'><tseg unit='KiB'>12345</tseg></smm></features>`, {}, 'unsupported configuration: SMM TSEG size must be divisible by 1 MiB'],
    ['a hugepage nodeset naming a missing NUMA cell', `<memoryBacking><hugepages><page size='2048' unit='KiB' nodeset='1'/></hugepages></memoryBacking>${os()}<cpu><numa><cell id='0' cpus='0' memory='65536' unit='KiB'/></numa></cpu>`, {}, 'hugepages: node 1 not found'],
    ['more vCPUs than the machine takes', `<vcpu>300</vcpu>${os()}`, {}, 'unsupported configuration: Maximum CPUs greater than specified machine type limit 255'],
    ['a topology that does not add up to the vCPU count', `<vcpu>4</vcpu>${os()}<cpu><topology sockets='1' dies='1' cores='2' threads='1'/></cpu>`, {}, "CPU topology doesn't match maximum vcpu count"],
  ])('rejects %s', (_what, body, opts, message) => {
    expect(() => check(body, opts)).toThrow(message);
  });

  it('rejects per-device boot order together with <os><boot>', () => {
    const xml = `<domain type='qemu'><name>v</name><memory unit='MiB'>64</memory>${os("<boot dev='hd'/>")}<devices><emulator>/usr/bin/qemu-system-x86_64</emulator><disk type='file' device='disk'><source file='/d.img'/><target dev='vda' bus='virtio'/><boot order='1'/></disk></devices></domain>`;
    expect(() => validateGeneral(parseDomain(xml), FIXTURE_CAPS, fixtureContext('v'))).toThrow('unsupported configuration: per-device boot elements cannot be used together with os/boot elements');
  });
});
