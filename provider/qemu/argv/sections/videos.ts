/**
 * Video adapters, one `-device` each (`none` adds nothing). The primary adapter uses the model
 * with VGA compatibility when there is one (cirrus-vga, VGA, qxl-vga, virtio-vga, vmware-svga,
 * vhost-user-vga); secondary ones the plain model (qxl, virtio-gpu-pci, vhost-user-gpu-pci).
 * OpenGL virtio adapters use the `-gl` variants when QEMU has them.
 *
 *   {"driver":"qxl-vga","id":"video0","max_outputs":1,"ram_size":67108864,"vram_size":67108864,
 *    "vram64_size_mb":0,"vgamem_mb":16,"bus":"pci.0","addr":"0x2"}
 *   {"driver":"VGA","id":"video0","vgamem_mb":16,...}    {"driver":"bochs-display",...,"vgamem":16777216,...}
 *   -chardev socket,id=chr-vu-video0,fd=1729  + {"driver":"vhost-user-vga",...,"chardev":"chr-vu-video0",...}
 *
 * Sizes in the domain are KiB; QEMU wants bytes (ram_size, vram_size, vgamem) or MiB (*_mb).
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Video } from '../../../../model/domain/devices/video';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import type { QemuCaps } from '../../caps';
import { addChardev } from '../chardev-backend';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { addVirtioOptions } from '../virtio-device';
import { unsupported } from '../../validate/errors';

/** The fd libvirt's test harness passes for a vhost-user-gpu backend's socket. */
export const TEST_VHOST_USER_GPU_FD = 1729;

/** qxl defaults libvirt fills in (KiB): the primary bar and the VGA framebuffer inside it. */
const QXL_DEFAULT_RAM_KIB = 64 * 1024;
const QXL_DEFAULT_VGAMEM_KIB = 16 * 1024;

/** Whether the adapter may use the VGA-compatible variant of its model. */
function supportsVga(video: Video, caps: QemuCaps): boolean {
  if (video.model?.type !== 'virtio') return true;
  if (video.address && video.address.type !== 'pci') return false;
  return caps.flags.has(video.driver?.name === 'vhostuser' ? 'vhost-user-vga' : 'virtio-vga');
}

interface VideoModel {
  /** QEMU device name (without bus suffix). */
  readonly name: string;
  /** A virtio device: transport options apply. */
  readonly virtio: boolean;
  /** Needs `-pci` (or `-ccw`, ...) appended. */
  readonly busSuffix: boolean;
}

/**
 * The primary adapter: the one marked `primary='yes'`, else the first (libvirt marks the first
 * adapter primary when the domain is defined).
 */
export function isPrimaryVideo(def: Domain, video: Video): boolean {
  const videos = (def.devices?.videos ?? []).filter((v) => v.model?.type !== 'none');
  const marked = videos.find((v) => v.model?.primary === 'yes');
  return (marked ?? videos[0]) === video;
}

/** The QEMU device for a video adapter (`primary`: see isPrimaryVideo). */
export function videoModel(video: Video, caps: QemuCaps, primary = video.model?.primary === 'yes'): VideoModel {
  const type = video.model?.type ?? 'vga';
  const primaryVga = primary && supportsVga(video, caps);
  const accel3d = video.model?.acceleration?.accel3d === 'yes';
  if (video.driver?.name === 'vhostuser') {
    return primaryVga ? { name: 'vhost-user-vga', virtio: false, busSuffix: false } : { name: 'vhost-user-gpu', virtio: true, busSuffix: true };
  }
  if (primaryVga) {
    switch (type) {
      case 'vga':
        return { name: 'VGA', virtio: false, busSuffix: false };
      case 'cirrus':
        return { name: 'cirrus-vga', virtio: false, busSuffix: false };
      case 'vmvga':
        return { name: 'vmware-svga', virtio: false, busSuffix: false };
      case 'qxl':
        return { name: 'qxl-vga', virtio: false, busSuffix: false };
      case 'virtio':
        return { name: accel3d && caps.flags.has('virtio-vga-gl') ? 'virtio-vga-gl' : 'virtio-vga', virtio: true, busSuffix: false };
      case 'bochs':
        return { name: 'bochs-display', virtio: false, busSuffix: false };
      case 'ramfb':
        return { name: 'ramfb', virtio: false, busSuffix: false };
      default:
        break;
    }
  } else {
    switch (type) {
      case 'qxl':
        return { name: 'qxl', virtio: false, busSuffix: false };
      case 'virtio':
        return { name: accel3d && caps.flags.has('virtio-gpu-gl-pci') ? 'virtio-gpu-gl' : 'virtio-gpu', virtio: true, busSuffix: true };
      case 'bochs':
        return { name: 'bochs-display', virtio: false, busSuffix: false };
      case 'ramfb':
        return { name: 'ramfb', virtio: false, busSuffix: false };
      default:
        break;
    }
  }
  throw unsupported(`invalid model for video type '${type}'`);
}

function busSuffix(video: Video): string {
  switch (video.address?.type) {
    case 'ccw':
      return '-ccw';
    case 'virtio-mmio':
      return '-device';
    default:
      return '-pci';
  }
}

/** The `-device` properties of a video adapter. */
export function videoDeviceProps(def: Domain, video: Video, alias: string, caps: QemuCaps): Record<string, unknown> {
  const m = video.model;
  const type = m?.type ?? 'vga';
  const model = videoModel(video, caps, isPrimaryVideo(def, video));
  const props: Record<string, unknown> = { driver: model.busSuffix ? model.name + busSuffix(video) : model.name };
  if (model.virtio) addVirtioOptions(props, video.driver);
  props.id = alias;
  const heads = m?.heads ?? 1;
  if (type === 'qxl') {
    if (heads) props.max_outputs = heads;
    const ram = m?.ram ?? QXL_DEFAULT_RAM_KIB;
    const vram = m?.vram ?? QXL_DEFAULT_RAM_KIB;
    if (ram) props.ram_size = ram * 1024;
    if (vram) props.vram_size = vram * 1024;
    if (caps.flags.has('qxl.vram64_size_mb')) props.vram64_size_mb = Math.floor((m?.vram64 ?? 0) / 1024);
    if (caps.flags.has('qxl.vgamem_mb')) props.vgamem_mb = Math.floor((m?.vgamem ?? QXL_DEFAULT_VGAMEM_KIB) / 1024);
  } else if (video.driver?.name === 'vhostuser') {
    if (heads) props.max_outputs = heads;
    props.chardev = `chr-vu-${alias}`;
  } else if (type === 'virtio') {
    const accel3d = m?.acceleration?.accel3d;
    if (accel3d !== undefined && !model.name.endsWith('-gl')) props.virgl = accel3d === 'yes';
    if (heads) props.max_outputs = heads;
  } else if ((type === 'vga' && caps.flags.has('VGA.vgamem_mb')) || (type === 'vmvga' && caps.flags.has('vmware-svga.vgamem_mb'))) {
    const vram = m?.vram ?? 16 * 1024;
    if (vram < 1024) throw unsupported("value for 'vram' must be at least 1 MiB (1024 KiB)");
    props.vgamem_mb = Math.floor(vram / 1024);
  } else if (type === 'bochs') {
    const vram = m?.vram ?? 16 * 1024;
    if (vram < 1024) throw unsupported("value for 'vram' must be at least 1 MiB (1024 KiB)");
    props.vgamem = vram * 1024;
  }
  if (m?.resolution) {
    props.xres = m.resolution.x;
    props.yres = m.resolution.y;
  }
  return addAddressProps(props, def, video);
}

export function buildVideos(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  (def.devices?.videos ?? []).forEach((video, i) => {
    if (video.model?.type === 'none') return;
    const alias = video.alias?.name ?? `video${i}`;
    if (video.driver?.name === 'vhostuser') {
      const charId = `chr-vu-${alias}`;
      if (ctx.fdPassing === 'test-fds') {
        cmd.add('-chardev', `socket,id=${charId},fd=${TEST_VHOST_USER_GPU_FD}`);
      } else {
        const path = `${ctx.paths.runDir}/${alias}-vhost-user-gpu.sock`;
        addChardev(cmd, { type: 'unix', sources: [{ mode: 'connect', path }] }, charId, ctx, state, { deviceAlias: alias, passFds: false });
      }
    }
    addDeviceJson(cmd, def, videoDeviceProps(def, video, alias, ctx.caps));
  });
}
