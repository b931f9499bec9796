import { buildAudio } from '../../../../provider/qemu/argv/sections/audio';
import { buildSounds } from '../../../../provider/qemu/argv/sections/sounds';
import { buildInputs } from '../../../../provider/qemu/argv/sections/inputs';
import { QemuCommandLine } from '../../../../provider/qemu/argv/command-line';
import { ArgvState } from '../../../../provider/qemu/argv/build';
import { domainWith, runSection } from './storage-fixture';
import { harnessCtx } from './device-fixture';

const ROOT = `<controller type='pci' index='0' model='pci-root'><alias name='pci.0'/></controller>`;
const USB = `<controller type='usb' index='0' model='piix3-uhci'><alias name='usb'/></controller>`;
const pci = (slot: number) => `<address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='0x0'/>`;

describe('audio section', () => {
  it('uses QEMU driver names and writes the in/out settings of each backend type', () => {
    const def = domainWith(`
      <audio id='1' type='pulseaudio' timerPeriod='50' serverName='acme.example.org'>
        <input mixingEngine='yes' fixedSettings='yes' voices='1' bufferLength='100' name='fish' streamName='food' latency='100'><settings frequency='44100' channels='2' format='s16'/></input>
        <output mixingEngine='yes' fixedSettings='no' voices='2' name='fish'><settings frequency='22050' channels='4' format='f32'/></output>
      </audio>
      <audio id='2' type='oss' tryMMap='yes' exclusive='yes' dspPolicy='3'>
        <input dev='/dev/dsp0' bufferCount='50' tryPoll='yes'/><output dev='/dev/dsp1' bufferCount='30' tryPoll='no'/>
      </audio>
      <audio id='3' type='file' path='audio.wav'/>
      <audio id='4' type='jack'><input serverName='fish' clientName='food' connectPorts='yum' exactName='yes'/></audio>`);
    expect(runSection(buildAudio, def, harnessCtx())).toEqual([
      `-audiodev {"id":"audio1","driver":"pa","timer-period":50,"server":"acme.example.org",` +
        `"in":{"mixing-engine":true,"fixed-settings":true,"voices":1,"buffer-length":100,"frequency":44100,"channels":2,"format":"s16","name":"fish","stream-name":"food","latency":100},` +
        `"out":{"mixing-engine":true,"fixed-settings":false,"voices":2,"name":"fish"}}`,
      `-audiodev {"id":"audio2","driver":"oss","try-mmap":true,"exclusive":true,"dsp-policy":3,` +
        `"in":{"dev":"/dev/dsp0","buffer-count":50,"try-poll":true},"out":{"dev":"/dev/dsp1","buffer-count":30,"try-poll":false}}`,
      `-audiodev {"id":"audio3","driver":"wav","path":"audio.wav"}`,
      `-audiodev {"id":"audio4","driver":"jack","in":{"server-name":"fish","client-name":"food","connect-ports":"yum","exact-name":true}}`,
    ]);
  });

  it('tells SDL its audio driver through the environment', () => {
    const cmd = new QemuCommandLine('/usr/bin/qemu-system-x86_64');
    buildAudio(cmd, domainWith(`<audio id='1' type='sdl' driver='pulseaudio'/>`), harnessCtx(), new ArgvState());
    expect(cmd.env).toEqual([['SDL_AUDIODRIVER', 'pulseaudio']]);
    expect(cmd.args).toEqual(['-audiodev', '{"id":"audio1","driver":"sdl"}']);
  });
});

describe('sound section', () => {
  it('gives plain cards their audiodev and HDA controllers one codec device each (duplex by default)', () => {
    const def = domainWith(`${ROOT}${USB}
      <sound model='ac97'><alias name='sound0'/>${pci(3)}</sound>
      <sound model='ich6'><alias name='sound1'/>${pci(4)}</sound>
      <sound model='ich9'><codec type='micro'/><codec type='output'/><audio id='2'/><alias name='sound2'/>${pci(5)}</sound>
      <sound model='usb'><alias name='sound3'/><address type='usb' bus='0' port='1'/></sound>
      <sound model='sb16'><alias name='sound4'/></sound>
      <sound model='pcspk'><alias name='sound5'/></sound>
      <audio id='1' type='none'/><audio id='2' type='alsa'/>`);
    expect(runSection(buildSounds, def, harnessCtx())).toEqual([
      `-device {"driver":"AC97","id":"sound0","audiodev":"audio1","bus":"pci.0","addr":"0x3"}`,
      `-device {"driver":"intel-hda","id":"sound1","bus":"pci.0","addr":"0x4"}`,
      `-device {"driver":"hda-duplex","id":"sound1-codec0","bus":"sound1.0","cad":0,"audiodev":"audio1"}`,
      `-device {"driver":"ich9-intel-hda","id":"sound2","bus":"pci.0","addr":"0x5"}`,
      `-device {"driver":"hda-micro","id":"sound2-codec0","bus":"sound2.0","cad":0,"audiodev":"audio2"}`,
      `-device {"driver":"hda-output","id":"sound2-codec1","bus":"sound2.0","cad":1,"audiodev":"audio2"}`,
      `-device {"driver":"usb-audio","id":"sound3","audiodev":"audio1","bus":"usb.0","port":"1"}`,
      `-device {"driver":"sb16","id":"sound4","audiodev":"audio1"}`,
    ]);
  });
});

describe('input section', () => {
  it('adds USB and virtio devices, nothing for PS/2, and an input-linux object for evdev', () => {
    const def = domainWith(`${ROOT}${USB}
      <input type='mouse' bus='ps2'/><input type='keyboard' bus='ps2'/>
      <input type='tablet' bus='usb'><alias name='input0'/><address type='usb' bus='0' port='1'/></input>
      <input type='keyboard' bus='usb'><alias name='input1'/><address type='usb' bus='0' port='2'/></input>
      <input type='mouse' bus='virtio'><driver iommu='on' ats='on' packed='on' page_per_vq='on'/><alias name='input2'/>${pci(3)}</input>
      <input type='passthrough' bus='virtio' model='virtio-non-transitional'><source evdev='/dev/input/event1234'/><alias name='input3'/>${pci(4)}</input>
      <input type='evdev'><source dev='/dev/input/event1234' grab='all' grabToggle='alt-alt' repeat='on'/><alias name='input4'/></input>`);
    expect(runSection(buildInputs, def, harnessCtx())).toEqual([
      `-device {"driver":"usb-tablet","id":"input0","bus":"usb.0","port":"1"}`,
      `-device {"driver":"usb-kbd","id":"input1","bus":"usb.0","port":"2"}`,
      `-device {"driver":"virtio-mouse-pci","iommu_platform":true,"ats":true,"packed":true,"page-per-vq":true,"id":"input2","bus":"pci.0","addr":"0x3"}`,
      `-device {"driver":"virtio-input-host-pci-non-transitional","id":"input3","evdev":"/dev/input/event1234","bus":"pci.0","addr":"0x4"}`,
      `-object {"qom-type":"input-linux","id":"input4","evdev":"/dev/input/event1234","repeat":true,"grab_all":true,"grab-toggle":"alt-alt"}`,
    ]);
  });
});
