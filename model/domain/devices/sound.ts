/**
 * `<sound>`: an emulated sound card, optionally bound to an `<audio>` backend by id.
 *
 *   <sound model='ich9'>
 *     <codec type='micro'/>
 *     <audio id='1'/>
 *     <address type='pci' .../>
 *   </sound>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import { deviceInfo } from './device-info';

export const SoundModel = X.enumOf('sb16', 'es1370', 'pcspk', 'ac97', 'ich6', 'ich7', 'ich9', 'usb');

/** An HDA codec of an ich6/ich7/ich9 card. */
export const SoundCodec = X.element({ type: X.reqAttr(X.enumOf('duplex', 'micro', 'output')) });

/** The `<audio id='N'>` backend this card plays through (see audio.ts). */
export const SoundAudio = X.element({ id: X.reqAttr(X.uint({ min: 1, max: 255 })) });

const { alias, acpi, address } = deviceInfo();

export const Sound = X.element({
  model: X.reqAttr(SoundModel),
  codecs: X.children(SoundCodec, { xml: 'codec' }),
  audio: X.child(SoundAudio),
  alias,
  acpi,
  address,
});
export type Sound = Static<typeof Sound>;
