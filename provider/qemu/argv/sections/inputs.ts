/**
 * Input devices. PS/2 mouse and keyboard are built into x86 machines (nothing to add); USB ones
 * are `usb-mouse`/`usb-tablet`/`usb-kbd`; virtio ones `virtio-mouse-pci`, ...,
 * `virtio-input-host-pci` for a passed-through host evdev node; a host evdev device shared with
 * the guest (`type='evdev'`) is an `input-linux` object:
 *
 *   {"driver":"usb-tablet","id":"input0","bus":"usb.0","port":"1"}
 *   {"driver":"virtio-input-host-pci","id":"input0","evdev":"/dev/input/event1234","bus":"pci.0","addr":"0x3"}
 *   -object {"qom-type":"input-linux","id":"input0","evdev":"/dev/input/event1234","repeat":true,"grab_all":true,"grab-toggle":"alt-alt"}
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Input } from '../../../../model/domain/devices/input';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { virtioDeviceProps } from '../virtio-device';

const USB_DEVICE = { mouse: 'usb-mouse', tablet: 'usb-tablet', keyboard: 'usb-kbd' } as const;
const VIRTIO_BASE = { mouse: 'virtio-mouse', tablet: 'virtio-tablet', keyboard: 'virtio-keyboard', passthrough: 'virtio-input-host' } as const;

/** The bus an input device is on (libvirt's defaults when the XML says none). */
export function inputBus(def: Domain, input: Input): Input['bus'] | undefined {
  if (input.bus) return input.bus;
  if (input.type === 'evdev') return undefined;
  if (input.type === 'passthrough') return 'virtio';
  const arch = def.os?.type.arch ?? 'x86_64';
  if ((input.type === 'mouse' || input.type === 'keyboard') && (arch === 'x86_64' || arch === 'i686')) return 'ps2';
  return 'usb';
}

function evdevProps(input: Input, alias: string): Record<string, unknown> {
  const s = input.source;
  const props: Record<string, unknown> = { 'qom-type': 'input-linux', id: alias, evdev: s?.dev };
  if (s?.repeat !== undefined) props.repeat = s.repeat === 'on';
  if (s?.grab === 'all') props.grab_all = true;
  if (s?.grabToggle !== undefined) props['grab-toggle'] = s.grabToggle;
  return props;
}

export function buildInputs(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  (def.devices?.inputs ?? []).forEach((input, i) => {
    const alias = input.alias?.name ?? `input${i}`;
    if (input.type === 'evdev') {
      cmd.addJson('-object', evdevProps(input, alias));
      return;
    }
    switch (inputBus(def, input)) {
      case 'usb':
        if (input.type === 'passthrough') return;
        addDeviceJson(cmd, def, addAddressProps({ driver: USB_DEVICE[input.type], id: alias }, def, input));
        break;
      case 'virtio': {
        const model = input.type === 'passthrough' ? input.model : undefined;
        const props = virtioDeviceProps(VIRTIO_BASE[input.type], { address: input.address, model }, input.driver, ctx.caps);
        props.id = alias;
        if (input.type === 'passthrough') props.evdev = input.source?.evdev;
        addDeviceJson(cmd, def, addAddressProps(props, def, input));
        break;
      }
      default:
        break;
    }
  });
}
