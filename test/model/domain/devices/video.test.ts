import { Video, validateVideo, validateVideos } from '../../../../model/domain/devices/video';
import { parseDevice, roundTrip, brief } from './device-xml';

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
