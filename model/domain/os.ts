/**
 * `<os>`: guest type and machine, firmware (automatic selection, loader, NVRAM), direct kernel
 * boot, boot order, boot menu, SMBIOS mode, BIOS options and ACPI tables; plus the container
 * init settings of `<type>exe</type>` guests and the host-side `<bootloader>` of Xen guests.
 */
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { StorageSource, StorageType } from './devices/storage-source';

const absPath = () => X.str({ pattern: '^(/|[a-zA-Z]:\\\\)', describe: 'an absolute path', trim: true });

/** Architectures libvirt knows (`<type arch>`). */
export const Arch = X.enumOf(
  'aarch64', 'alpha', 'armv6l', 'armv7l', 'cris', 'i686', 'ia64', 'lm32', 'loongarch64', 'm68k', 'microblaze', 'microblazeel',
  'mips', 'mipsel', 'mips64', 'mips64el', 'openrisc', 'parisc', 'parisc64', 'ppc', 'ppc64', 'ppc64le', 'ppcemb', 'riscv32',
  'riscv64', 's390', 's390x', 'sh4', 'sh4eb', 'sparc', 'sparc64', 'unicore32', 'x86_64', 'xtensa', 'xtensaeb',
);
export type Arch = Static<typeof Arch.schema>;

/** `<type arch='x86_64' machine='q35'>hvm</type>`. */
export const OsType = X.element({
  arch: X.attr(Arch),
  machine: X.attr(X.str({ pattern: '^[a-zA-Z0-9_.\\-]+$', describe: 'a machine type name such as q35 or pc-i440fx-7.2' })),
  /** `hvm` (full virtualisation), `xen`/`linux`/`xenpvh` (Xen PV), `exe` (containers). */
  type: X.reqText(X.enumOf('hvm', 'xen', 'linux', 'xenpvh', 'exe')),
});
export type OsType = Static<typeof OsType>;

/** A firmware feature that automatic firmware selection must (or must not) provide. */
export const FirmwareFeature = X.element({
  enabled: X.reqAttr(X.yesNo()),
  name: X.reqAttr(X.enumOf('enrolled-keys', 'secure-boot')),
});
export const Firmware = X.element({ features: X.children(FirmwareFeature, { xml: 'feature' }) });

/** `<loader readonly='yes' secure='no' type='pflash' stateless='no'>PATH</loader>`. */
export const Loader = X.element({
  readonly: X.attr(X.yesNo()),
  secure: X.attr(X.yesNo()),
  type: X.attr(X.enumOf('rom', 'pflash')),
  stateless: X.attr(X.yesNo()),
  path: X.text(absPath()),
});
export type Loader = Static<typeof Loader>;

/**
 * UEFI variable store: a local path (`<nvram>PATH</nvram>`), or, with `type`, any storage source
 * (`<nvram type='network'><source protocol='iscsi' .../></nvram>`). `template` is the file a new
 * store is copied from.
 */
export const Nvram = X.element(
  {
    template: X.attr(absPath()),
    type: X.attr(StorageType),
    path: X.text(absPath()),
    source: X.child(StorageSource),
  },
  {
    check(v, el, ctx) {
      if (v.path !== undefined && (v.type !== undefined || v.source !== undefined)) {
        ctx.fail(el, "<nvram> takes either a path as text or a type with a <source>, not both", { fix: "write <nvram>PATH</nvram> or <nvram type='file'><source file='PATH'/></nvram>" });
      }
      if (v.type !== undefined && v.source === undefined) ctx.fail(el, `<nvram type='${v.type}'> needs a <source>`, { fix: 'add the <source> element' });
      if (v.source !== undefined && v.type === undefined) ctx.fail(el, '<nvram> with a <source> needs a type', { attr: 'type', fix: "add type='file' (or network, block...)" });
    },
  },
);
export type Nvram = Static<typeof Nvram>;

export const BootDev = X.enumOf('hd', 'fd', 'cdrom', 'network');
export const OsBoot = X.element({ dev: X.reqAttr(BootDev) });

/**
 * `<bootmenu enable='yes' timeout='3000'/>`; timeout in milliseconds, 0-65535. The range is a
 * validation rule (validate.ts), not a parse error, so each driver can word it as libvirt does.
 */
export const BootMenu = X.element({
  enable: X.reqAttr(X.yesNo()),
  timeout: X.attr(X.uint()),
});

/** `<bios useserial='yes' rebootTimeout='1000'/>`; rebootTimeout in ms, -1 disables rebooting. */
export const Bios = X.element({
  useserial: X.attr(X.yesNo()),
  rebootTimeout: X.attr(X.int({ min: -1, max: 65535 })),
});

export const AcpiTable = X.element({
  type: X.reqAttr(X.enumOf('slic')),
  path: X.reqText(absPath()),
});
export const OsAcpi = X.element({ tables: X.children(AcpiTable, { xml: 'table' }) });

export const InitEnv = X.element({
  name: X.reqAttr(X.str({ pattern: '^[a-zA-Z_]+[a-zA-Z0-9_]*$', describe: 'an environment variable name' })),
  value: X.text(X.str()),
});

export const Os = X.element({
  /** Automatic firmware selection: the firmware family to pick from the host's descriptors. */
  firmware: X.attr(X.enumOf('bios', 'efi')),
  type: X.reqChild(OsType),
  firmwareInfo: X.child(Firmware, { xml: 'firmware' }),
  init: X.textChild(absPath()),
  initargs: X.textChildren(X.str(), { xml: 'initarg' }),
  initenvs: X.children(InitEnv, { xml: 'initenv' }),
  initdir: X.textChild(absPath()),
  inituser: X.textChild(X.str({ trim: true })),
  initgroup: X.textChild(X.str({ trim: true })),
  loader: X.child(Loader),
  nvram: X.child(Nvram),
  kernel: X.textChild(absPath()),
  initrd: X.textChild(absPath()),
  cmdline: X.textChild(X.str()),
  dtb: X.textChild(absPath()),
  root: X.textChild(absPath()),
  acpi: X.child(OsAcpi),
  boots: X.children(OsBoot, { xml: 'boot' }),
  bootmenu: X.child(BootMenu),
  bios: X.child(Bios),
  smbios: X.child(X.element({ mode: X.reqAttr(X.enumOf('emulate', 'host', 'sysinfo')) })),
});
export type Os = Static<typeof Os>;
