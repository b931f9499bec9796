/**
 * `<video>`: the guest's video adapter.
 *
 *   <video>
 *     <driver iommu='on' name='vhostuser'/>
 *     <model type='qxl' ram='65536' vram='65536' vgamem='16384' heads='1' primary='yes'>
 *       <acceleration accel3d='yes' rendernode='/dev/dri/renderD128'/>
 *       <resolution x='1280' y='720'/>
 *     </model>
 *     <address type='pci' .../>
 *   </video>
 *
 * Memory sizes (`ram`, `vram`, `vram64`, `vgamem`) are KiB.
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';
import { virtioOptions } from './virtio-options';

export const VideoModelType = X.enumOf('vga', 'cirrus', 'vmvga', 'xen', 'vbox', 'qxl', 'virtio', 'gop', 'none', 'bochs', 'ramfb');
export type VideoModelType = Static<typeof VideoModelType.schema>;

export const VideoDriver = X.element({
  ...virtioOptions(),
  /** `vhostuser` runs the virtio GPU in an external vhost-user-gpu process. */
  name: X.attr(X.enumOf('qemu', 'vhostuser')),
  /** Xen: VGA emulation mode (io, on, off). */
  vgaconf: X.attr(X.enumOf('io', 'on', 'off')),
});
export type VideoDriver = Static<typeof VideoDriver>;

export const VideoAcceleration = X.element({
  accel3d: X.attr(X.yesNo()),
  accel2d: X.attr(X.yesNo()),
  /** vhostuser: the host DRM render node. */
  rendernode: X.attr(X.str()),
});

/** Preferred initial resolution in pixels (qxl, virtio). */
export const VideoResolution = X.element({
  x: X.reqAttr(X.uint()),
  y: X.reqAttr(X.uint()),
});

export const VideoModel = X.element({
  type: X.reqAttr(VideoModelType),
  /** qxl: size of the primary bar, KiB. */
  ram: X.attr(X.uint()),
  /** Video memory, KiB (qxl: the secondary bar). */
  vram: X.attr(X.uint()),
  /** qxl: size of the 64-bit secondary bar, KiB. */
  vram64: X.attr(X.uint()),
  /** qxl: VGA framebuffer inside the ram bar, KiB. */
  vgamem: X.attr(X.uint()),
  heads: X.attr(X.uint()),
  /** The adapter the firmware and early boot use; libvirt moves it to the front of the list. */
  primary: X.attr(X.yesNo()),
  acceleration: X.child(VideoAcceleration),
  resolution: X.child(VideoResolution),
});
export type VideoModel = Static<typeof VideoModel>;

const { alias, acpi, address } = deviceInfo();

export const Video = X.element({
  driver: X.child(VideoDriver),
  model: X.child(VideoModel),
  alias,
  acpi,
  address,
});
export type Video = Static<typeof Video>;

const VIRTIO_OPTION_XML: ReadonlyArray<[keyof VideoDriver, string]> = [
  ['iommu', 'iommu'],
  ['ats', 'ats'],
  ['packed', 'packed'],
];

/** Rules libvirt enforces for every hypervisor on one video device (messages as libvirt's). */
export function validateVideo(video: Video, label?: string): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const m = video.model;
  const at = (obj: unknown, problem: string, fix: string, prop?: string, xmlName?: string) =>
    issues.push(deviceIssue(obj, problem, { prop, xmlName, fix, label }));
  if (!m) {
    at(video, 'missing video model and cannot determine default', "add <model type='virtio'/> (or vga, qxl, ...)");
    return issues;
  }
  const backend = video.driver?.name;
  if (backend === 'vhostuser' && m.type !== 'virtio') {
    at(video.driver, "'vhostuser' driver is only supported with 'virtio' device", "use <model type='virtio'/> or drop name='vhostuser'", 'name', '@name');
  }
  if (backend !== 'vhostuser' && m.acceleration?.rendernode !== undefined) {
    at(m.acceleration, "unsupported rendernode accel attribute without 'vhostuser'", "add <driver name='vhostuser'/> or remove rendernode", 'rendernode', '@rendernode');
  }
  if (m.resolution && (m.resolution.x === 0 || m.resolution.y === 0)) {
    at(m.resolution, 'video resolution values must be greater than 0', 'give x and y in pixels, e.g. x=\'1280\' y=\'720\'');
  }
  if (m.type !== 'qxl') {
    for (const k of ['ram', 'vram64', 'vgamem'] as const) {
      if (m[k] !== undefined && m[k] !== 0) {
        at(m, `${k} attribute only supported for video type qxl`, `remove ${k} or use <model type='qxl'>`, k, `@${k}`);
      }
    }
  }
  if (m.type === 'ramfb' && video.address) {
    at(video, 'address not supported for video type ramfb', 'remove <address>', 'address', 'address');
  }
  if (m.type !== 'virtio' && video.driver) {
    for (const [k, xml] of VIRTIO_OPTION_XML) {
      if (video.driver[k] !== undefined) {
        at(video.driver, `${xml} driver option is only supported for virtio devices`, `remove ${xml} from <driver>`, k, `@${xml}`);
      }
    }
  }
  return issues;
}

/** Rules across the domain's video devices: at most one primary, and `none` stands alone. */
export function validateVideos(videos: readonly Video[], label?: string): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const lbl = (i: number) => label && `${label}/videos/${i}`;
  if (videos.length > 1) {
    videos.forEach((v, i) => {
      if (v.model?.type === 'none') {
        issues.push(deviceIssue(v, "a 'none' video type must be the only video device defined for the domain", { label: lbl(i), fix: 'remove the other <video> devices or this one' }));
      }
    });
  }
  const primaries = videos.map((v, i) => [v, i] as const).filter(([v]) => v.model?.primary === 'yes');
  for (const [v, i] of primaries.slice(1)) {
    issues.push(deviceIssue(v.model, 'Only one primary video device is supported', { label: lbl(i), prop: 'primary', xmlName: '@primary', fix: "keep primary='yes' on a single <video>" }));
  }
  videos.forEach((v, i) => issues.push(...validateVideo(v, lbl(i))));
  return issues;
}

/**
 * Video memory libvirt assumes when `vram` is absent, KiB (0: none). VMware and VirtualBox
 * guests get the smaller framebuffers of those hypervisors.
 */
export function defaultVideoVram(type: VideoModelType, virtType?: string): number {
  switch (type) {
    case 'vga':
    case 'cirrus':
    case 'vmvga':
      if (virtType === 'vbox') return 8 * 1024;
      if (virtType === 'vmware') return 4 * 1024;
      return 16 * 1024;
    case 'bochs':
      return 16 * 1024;
    case 'xen':
      return 4 * 1024;
    case 'qxl':
      return 64 * 1024;
    default:
      return 0;
  }
}

/**
 * libvirt's generic video defaults, in place: one head, the default video memory, the adapter
 * marked primary moved to the front, and the first adapter marked primary (`primary='no'` is
 * the same as no attribute). `none` adapters get nothing. `virtType` is the domain type.
 */
export function applyVideoDefaults(videos: Video[], virtType?: string): void {
  for (const v of videos) {
    const m = v.model;
    if (!m || m.type === 'none') continue;
    m.heads ??= 1;
    if (m.vram === undefined) {
      const vram = defaultVideoVram(m.type, virtType);
      if (vram) m.vram = vram;
    }
    if (m.primary === 'no') delete m.primary;
  }
  const p = videos.findIndex((v) => v.model?.primary === 'yes');
  if (p > 0) videos.unshift(...videos.splice(p, 1));
  const first = videos[0]?.model;
  if (first && first.type !== 'none') first.primary = 'yes';
}
