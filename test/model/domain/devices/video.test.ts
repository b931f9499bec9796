import { Video, validateVideo, validateVideos, applyVideoDefaults } from '../../../../model/domain/devices/video';
import { parseDevice, roundTrip, brief, formatDevice } from './device-xml';

describe('<video>', () => {
  it('prints driver, model (ram, vram, vram64, vgamem, heads, primary), acceleration, resolution', () => {
    expect(
      roundTrip(Video, 'video', `<video>
  <model primary='yes' heads='1' vgamem='16384' vram64='2097152' vram='65536' ram='65536' type='qxl'>
    <resolution y='720' x='1280'/>
    <acceleration accel2d='no' accel3d='yes'/>
  </model>
  <driver name='qemu' iommu='on'/>
</video>`),
    ).toBe(`<video>
  <driver iommu='on' name='qemu'/>
  <model type='qxl' ram='65536' vram='65536' vram64='2097152' vgamem='16384' heads='1' primary='yes'>
    <acceleration accel3d='yes' accel2d='no'/>
    <resolution x='1280' y='720'/>
  </model>
</video>
`);
  });

  it("reports libvirt's video rules", () => {
    const problems = (xml: string) => validateVideo(parseDevice(Video, xml)).map((i) => i.problem);
    expect(problems(`<video><driver name='vhostuser'/><model type='vga'/></video>`)).toEqual(["'vhostuser' driver is only supported with 'virtio' device"]);
    expect(problems(`<video><model type='virtio'><acceleration rendernode='/dev/dri/x'/></model></video>`)).toEqual([
      "unsupported rendernode accel attribute without 'vhostuser'",
    ]);
    expect(problems(`<video><model type='vga' ram='1024' vgamem='16384'/></video>`)).toEqual([
      'ram attribute only supported for video type qxl',
      'vgamem attribute only supported for video type qxl',
    ]);
    expect(problems(`<video><model type='qxl'><resolution x='0' y='600'/></model></video>`)).toEqual(['video resolution values must be greater than 0']);
    expect(problems(`<video><model type='ramfb'/><address type='pci' domain='0' bus='0' slot='2' function='0'/></video>`)).toEqual([
      'address not supported for video type ramfb',
    ]);
    expect(problems(`<video><driver ats='on'/><model type='vga'/></video>`)).toEqual(['ats driver option is only supported for virtio devices']);
    expect(problems(`<video/>`)).toEqual(['missing video model and cannot determine default']);
  });

  it('allows one primary adapter and a lone none', () => {
    const a = parseDevice(Video, `<video><model type='qxl' primary='yes'/></video>`);
    const b = parseDevice(Video, `<video>\n<model type='virtio' primary='yes'/></video>`);
    const none = parseDevice(Video, `<video><model type='none'/></video>`);
    expect(brief(validateVideos([a, b]))).toEqual(['2: /video/model/@primary: Only one primary video device is supported']);
    expect(validateVideos([none, a]).map((i) => i.problem)).toEqual([
      "a 'none' video type must be the only video device defined for the domain",
    ]);
    expect(validateVideos([none])).toEqual([]);
  });
});

describe('video defaults', () => {
  it('adds one head, the default vram, and marks the first adapter primary', () => {
    const videos = [
      parseDevice(Video, `<video><model type='qxl' ram='65536' vgamem='8192'/></video>`),
      parseDevice(Video, `<video><model type='cirrus' primary='no'/></video>`),
    ];
    applyVideoDefaults(videos);
    expect(videos.map((v) => formatDevice(Video, 'video', v)).join('')).toBe(`<video>
  <model type='qxl' ram='65536' vram='65536' vgamem='8192' heads='1' primary='yes'/>
</video>
<video>
  <model type='cirrus' vram='16384' heads='1'/>
</video>
`);
  });

  it('moves the primary adapter to the front and leaves none alone', () => {
    const videos = [
      parseDevice(Video, `<video><model type='virtio'/></video>`),
      parseDevice(Video, `<video><model type='vga' primary='yes'/></video>`),
    ];
    applyVideoDefaults(videos, 'vmware');
    expect(videos.map((v) => v.model)).toEqual([
      { type: 'vga', primary: 'yes', heads: 1, vram: 4096 },
      { type: 'virtio', heads: 1 },
    ]);
    const none = [parseDevice(Video, `<video><model type='none'/></video>`)];
    applyVideoDefaults(none);
    expect(none[0].model).toEqual({ type: 'none' });
  });
});
