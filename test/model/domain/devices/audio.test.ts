import { Audio, validateAudios } from '../../../../model/domain/devices/audio';
import { Sound } from '../../../../model/domain/devices/sound';
import { Graphics } from '../../../../model/domain/devices/graphics';
import { parseDevice, roundTrip, brief } from './device-xml';

describe('<audio> and <sound>', () => {
  it('prints an oss backend with its element and stream attributes in libvirt order', () => {
    expect(
      roundTrip(Audio, 'audio', `<audio type='oss' id='1' dspPolicy='4' exclusive='yes' tryMMap='yes' timerPeriod='50'>
  <output tryPoll='no' bufferCount='50' dev='/dev/dsp0' bufferLength='100' voices='2' fixedSettings='yes' mixingEngine='yes'>
    <settings format='f32' channels='4' frequency='22050'/>
  </output>
  <input mixingEngine='yes' fixedSettings='no' voices='1'/>
</audio>`),
    ).toBe(`<audio id='1' type='oss' timerPeriod='50' tryMMap='yes' exclusive='yes' dspPolicy='4'>
  <input mixingEngine='yes' fixedSettings='no' voices='1'/>
  <output mixingEngine='yes' fixedSettings='yes' voices='2' bufferLength='100' dev='/dev/dsp0' bufferCount='50' tryPoll='no'>
    <settings frequency='22050' channels='4' format='f32'/>
  </output>
</audio>
`);
  });

  it('keeps jack, pulseaudio, sdl and file backends', () => {
    for (const xml of [
      `<audio id='1' type='jack'>\n  <input mixingEngine='yes' serverName='fish' clientName='food' connectPorts='yum' exactName='yes'/>\n</audio>\n`,
      `<audio id='1' type='pulseaudio' serverName='acme.example.org'>\n  <output name='fish' streamName='food' latency='100'/>\n</audio>\n`,
      `<audio id='1' type='sdl' driver='pulseaudio'>\n  <input bufferCount='40'/>\n</audio>\n`,
      `<audio id='1' type='file' path='/tmp/audio.wav'/>\n`,
      `<audio id='255' type='none'/>\n`,
    ]) {
      expect(roundTrip(Audio, 'audio', xml)).toBe(xml);
    }
  });

  it('rejects backend attributes of another backend, and ids outside 1-255', () => {
    expect(() => parseDevice(Audio, `<audio id='1' type='alsa'>\n<input latency='10'/></audio>`)).toThrow(
      "dev.xml:2: /audio/input/@latency: attribute 'latency' does not apply to audio type 'alsa' (fix: remove it; it applies to audio type 'pulseaudio')",
    );
    expect(() => parseDevice(Audio, `<audio id='1' type='none' path='/x.wav'/>`)).toThrow("attribute 'path' does not apply to audio type 'none'");
    expect(() => parseDevice(Audio, `<audio id='256' type='none'/>`)).toThrow("attribute 'id' has value '256', which must be an unsigned integer in the range [1, 255]");
  });

  it('prints sound codecs, then the audio reference, then the address', () => {
    expect(
      roundTrip(Sound, 'sound', `<sound model='ich9'>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x1b' function='0x0'/>
  <audio id='1'/>
  <codec type='micro'/>
  <codec type='duplex'/>
</sound>`),
    ).toBe(`<sound model='ich9'>
  <codec type='micro'/>
  <codec type='duplex'/>
  <audio id='1'/>
  <address type='pci' domain='0x0000' bus='0x00' slot='0x1b' function='0x0'/>
</sound>
`);
  });

  it('requires unique audio ids and existing references', () => {
    const a1 = parseDevice(Audio, `<audio id='1' type='none'/>`);
    const a1b = parseDevice(Audio, `<audio type='spice'\n id='1'/>`);
    const sound = parseDevice(Sound, `<sound model='ich6'>\n<audio id='3'/></sound>`);
    const vnc = parseDevice(Graphics, `<graphics type='vnc'><audio id='1'/></graphics>`);
    expect(brief(validateAudios([a1, a1b], [sound, vnc]))).toEqual([
      '2: /audio/@id: audio ID 1 is used multiple times',
      '2: /sound/audio: no audio device with ID 3',
    ]);
  });
});
