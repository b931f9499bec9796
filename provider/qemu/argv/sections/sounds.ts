/**
 * Sound cards, one `-device` each, playing through an `-audiodev` (see ./audio.ts). HDA
 * controllers (ich6 = intel-hda, ich9 = ich9-intel-hda) carry no audio themselves: their codecs
 * do, one device per `<codec>` (a duplex codec when none is listed):
 *
 *   {"driver":"AC97","id":"sound0","audiodev":"audio1","bus":"pci.0","addr":"0x3"}
 *   {"driver":"intel-hda","id":"sound1","bus":"pci.0","addr":"0x4"}
 *   {"driver":"hda-duplex","id":"sound1-codec0","bus":"sound1.0","cad":0,"audiodev":"audio1"}
 *
 * The PC speaker is a machine property (`-machine pcspk-audiodev=`), not a device.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Sound } from '../../../../model/domain/devices/sound';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';
import { audiodevId } from './audio';
import { unsupported } from '../../validate/errors';

const SOUND_DEVICE: Partial<Record<Sound['model'], string>> = {
  es1370: 'ES1370',
  ac97: 'AC97',
  ich6: 'intel-hda',
  ich9: 'ich9-intel-hda',
  usb: 'usb-audio',
  sb16: 'sb16',
};

const CODEC_DEVICE = { duplex: 'hda-duplex', micro: 'hda-micro', output: 'hda-output' } as const;

/** Whether the card is an HDA controller (its codecs are the audio devices). */
export function soundHasCodecs(sound: Sound): boolean {
  return sound.model === 'ich6' || sound.model === 'ich9';
}

export function buildSounds(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  (def.devices?.sounds ?? []).forEach((sound, i) => {
    if (sound.model === 'pcspk') return;
    const driver = SOUND_DEVICE[sound.model];
    if (!driver) throw unsupported(`sound card model '${sound.model}' is not supported by qemu`);
    const alias = sound.alias?.name ?? `sound${i}`;
    const audiodev = audiodevId(def, ctx, sound.audio?.id);
    const props: Record<string, unknown> = { driver, id: alias };
    if (!soundHasCodecs(sound) && audiodev) props.audiodev = audiodev;
    addDeviceJson(cmd, def, addAddressProps(props, def, sound));
    if (!soundHasCodecs(sound)) return;
    const codecs = sound.codecs?.length ? sound.codecs : [{ type: 'duplex' as const }];
    codecs.forEach((codec, cad) => {
      const c: Record<string, unknown> = { driver: CODEC_DEVICE[codec.type], id: `${alias}-codec${cad}`, bus: `${alias}.0`, cad };
      if (audiodev) c.audiodev = audiodev;
      addDeviceJson(cmd, def, c);
    });
  });
}
