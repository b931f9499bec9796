/**
 * `<input>`: a guest input device (mouse, tablet, keyboard), a virtio passthrough of a host
 * evdev device, or an evdev device grabbed from the host and shared with the guest.
 *
 *   <input type='mouse' bus='virtio' model='virtio-non-transitional'>
 *     <driver iommu='on'/>
 *     <address type='pci' .../>
 *   </input>
 *   <input type='evdev'>
 *     <source dev='/dev/input/event1234' grab='all' grabToggle='alt-alt' repeat='on'/>
 *   </input>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';
import { virtioOptions } from './virtio-options';

export const InputType = X.enumOf('mouse', 'tablet', 'keyboard', 'passthrough', 'evdev');
export const InputBus = X.enumOf('ps2', 'usb', 'xen', 'virtio');

export const InputDriver = X.element({ ...virtioOptions() });

export const InputSource = X.element({
  /** passthrough: the host evdev node handed to a virtio-input-host device. */
  evdev: X.attr(X.str()),
  /** evdev: the host evdev node QEMU reads. */
  dev: X.attr(X.str()),
  /** evdev: grab all input devices, not just this one, while the guest has focus. */
  grab: X.attr(X.enumOf('all')),
  /** evdev: the key combination that toggles input between host and guest. */
  grabToggle: X.attr(X.enumOf('ctrl-ctrl', 'alt-alt', 'shift-shift', 'meta-meta', 'scrolllock', 'ctrl-scrolllock')),
  /** evdev: forward key auto-repeat events. */
  repeat: X.attr(X.onOff()),
});
export type InputSource = Static<typeof InputSource>;

const { alias, acpi, address } = deviceInfo();

export const Input = X.element({
  type: X.reqAttr(InputType),
  /**
   * Defaults by guest type: ps2 for an x86 HVM mouse/keyboard, virtio for passthrough, none for
   * evdev, usb otherwise.
   */
  bus: X.attr(InputBus),
  model: X.attr(X.enumOf('virtio', 'virtio-transitional', 'virtio-non-transitional')),
  driver: X.child(InputDriver),
  source: X.child(InputSource),
  alias,
  acpi,
  address,
});
export type Input = Static<typeof Input>;

export interface InputRuleOpts {
  /** The domain's `<os><type>` (hvm, xen, xenpvh, ...); bus rules depend on it. */
  readonly osType?: string;
  readonly label?: string;
}

/** The rules libvirt enforces for every hypervisor (messages as libvirt words them). */
export function validateInput(input: Input, opts: InputRuleOpts = {}): ModelIssue[] {
  const { label, osType } = opts;
  const issues: ModelIssue[] = [];
  const at = (problem: string, fix: string, prop?: string, xmlName?: string) =>
    issues.push(deviceIssue(input, problem, { prop, xmlName, fix, label }));
  const src = input.source;
  const mouseOrKeyboard = input.type === 'mouse' || input.type === 'keyboard';
  if (osType === 'xen' || osType === 'xenpvh') {
    if (input.bus !== undefined && input.bus !== 'xen') {
      at(`unsupported input bus ${input.bus}`, "use bus='xen' for Xen PV guests", 'bus', '@bus');
    } else if (!mouseOrKeyboard) {
      at(`xen bus does not support ${input.type} input device`, "use type='mouse' or type='keyboard'", 'type', '@type');
    }
  } else {
    if (input.bus === 'ps2' && !mouseOrKeyboard) {
      at(`ps2 bus does not support ${input.type} input device`, "use bus='usb' or bus='virtio'", 'bus', '@bus');
    }
    if (input.bus === 'xen') {
      at('unsupported input bus xen', "use bus='ps2', 'usb' or 'virtio'", 'bus', '@bus');
    }
  }
  if (input.model !== undefined && input.bus !== 'virtio') {
    at(`only bus 'virtio' is supported for input model '${input.model}'`, "set bus='virtio' or remove the model attribute", 'model', '@model');
  }
  switch (input.type) {
    case 'mouse':
    case 'tablet':
    case 'keyboard':
      if (src?.evdev !== undefined) {
        at('setting source evdev path only supported for passthrough input devices', "use type='passthrough' bus='virtio', or remove <source>", 'source', 'source');
      }
      break;
    case 'passthrough':
      if (input.bus !== undefined && input.bus !== 'virtio') {
        at("only bus 'virtio' is supported for 'passthrough' input devices", "set bus='virtio'", 'bus', '@bus');
      }
      if (src?.evdev === undefined) {
        at('Missing evdev path for input device passthrough', "add <source evdev='/dev/input/eventN'/>", 'source');
      }
      break;
    case 'evdev':
      if (input.bus !== undefined) {
        at("input evdev doesn't support bus element", 'remove the bus attribute', 'bus', '@bus');
      }
      if (src?.dev === undefined) {
        at('Missing evdev path for input device', "add <source dev='/dev/input/eventN'/>", 'source');
      }
      break;
  }
  return issues;
}
