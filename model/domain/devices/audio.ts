/**
 * `<audio>`: a host audio backend that sound cards (`<sound><audio id='N'/>`) and VNC/D-Bus
 * displays play through and record from.
 *
 *   <audio id='1' type='pulseaudio' timerPeriod='50' serverName='/run/user/1000/pulse/native'>
 *     <input mixingEngine='yes' fixedSettings='yes' voices='1' bufferLength='100' name='fish'>
 *       <settings frequency='44100' channels='2' format='s16'/>
 *     </input>
 *     <output .../>
 *   </audio>
 *
 * `timerPeriod` is microseconds; `bufferLength` and `latency` are microseconds too.
 * Attributes of the element and of `<input>`/`<output>` depend on the backend `type` and are
 * checked while parsing.
 */
import * as X from '../../schema';
import type { Static, TObject } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import type { XmlElement } from '../../xml/dom';
import { deviceIssue } from './device-issue';

export const AudioType = X.enumOf('none', 'alsa', 'coreaudio', 'jack', 'oss', 'pulseaudio', 'sdl', 'spice', 'file', 'dbus');
export type AudioType = Static<typeof AudioType.schema>;

/** Fixed stream parameters, used when `fixedSettings='yes'`. */
export const AudioSettings = X.element({
  /** Hz. */
  frequency: X.attr(X.uint()),
  channels: X.attr(X.uint()),
  format: X.attr(X.enumOf('s8', 'u8', 's16', 'u16', 's32', 'u32', 'f32')),
});

/** One direction (`<input>` records, `<output>` plays) of an audio backend. */
export const AudioStream = X.element({
  mixingEngine: X.attr(X.yesNo()),
  fixedSettings: X.attr(X.yesNo()),
  voices: X.attr(X.uint()),
  /** Microseconds. */
  bufferLength: X.attr(X.uint()),
  /** alsa: the ALSA device; oss: the DSP device path. */
  dev: X.attr(X.str()),
  /** coreaudio, oss, sdl. */
  bufferCount: X.attr(X.uint()),
  /** oss. */
  tryPoll: X.attr(X.yesNo()),
  /** jack: the JACK server to connect to. */
  serverName: X.attr(X.str()),
  /** jack: the client name QEMU registers. */
  clientName: X.attr(X.str()),
  /** jack: regular expression of the ports to connect to. */
  connectPorts: X.attr(X.str()),
  /** jack: use the client name exactly as given. */
  exactName: X.attr(X.yesNo()),
  /** pulseaudio: the source/sink name. */
  name: X.attr(X.str()),
  /** pulseaudio. */
  streamName: X.attr(X.str()),
  /** pulseaudio: microseconds. */
  latency: X.attr(X.uint()),
  settings: X.child(AudioSettings),
});
export type AudioStream = Static<typeof AudioStream>;

const audioProps = {
  /** The id sound cards and displays refer to (1-255). */
  id: X.reqAttr(X.uint({ min: 1, max: 255 })),
  type: X.reqAttr(AudioType),
  /** Microseconds between audio timer ticks. */
  timerPeriod: X.attr(X.uint()),
  /** oss. */
  tryMMap: X.attr(X.yesNo()),
  /** oss: open the device exclusively. */
  exclusive: X.attr(X.yesNo()),
  /** oss: DSP policy 0-10 (-1 to use the buffer length). */
  dspPolicy: X.attr(X.int()),
  /** pulseaudio: the server address. */
  serverName: X.attr(X.str()),
  /** sdl: the SDL audio driver. */
  driver: X.attr(X.enumOf('esd', 'alsa', 'arts', 'pulseaudio')),
  /** file: the WAV file output is written to. */
  path: X.attr(X.str()),
  input: X.child(AudioStream),
  output: X.child(AudioStream),
};
type AudioValue = Static<TObject<typeof audioProps>>;

/** Backend-specific attributes of `<audio>` and the backends they belong to. */
const AUDIO_ATTRS: Record<string, readonly AudioType[]> = {
  tryMMap: ['oss'],
  exclusive: ['oss'],
  dspPolicy: ['oss'],
  serverName: ['pulseaudio'],
  driver: ['sdl'],
  path: ['file'],
};

/** Backend-specific attributes of `<input>`/`<output>` and the backends they belong to. */
const STREAM_ATTRS: Record<string, readonly AudioType[]> = {
  dev: ['alsa', 'oss'],
  bufferCount: ['coreaudio', 'oss', 'sdl'],
  tryPoll: ['oss'],
  serverName: ['jack'],
  clientName: ['jack'],
  connectPorts: ['jack'],
  exactName: ['jack'],
  name: ['pulseaudio'],
  streamName: ['pulseaudio'],
  latency: ['pulseaudio'],
};

export const Audio = X.element(audioProps, {
  check(v: AudioValue, el, ctx) {
    const bad = (where: XmlElement, attr: string, types: readonly AudioType[]) =>
      ctx.fail(where, `attribute '${attr}' does not apply to audio type '${v.type}'`, {
        attr,
        fix: `remove it; it applies to audio type ${types.map((t) => `'${t}'`).join(', ')}`,
      });
    for (const [attr, types] of Object.entries(AUDIO_ATTRS)) {
      if ((v as Record<string, unknown>)[attr] !== undefined && !types.includes(v.type)) bad(el, attr, types);
    }
    for (const dir of ['input', 'output'] as const) {
      const stream = v[dir] as Record<string, unknown> | undefined;
      if (!stream) continue;
      const child = el.children.find((c): c is XmlElement => c.kind === 'element' && c.name === dir) ?? el;
      for (const [attr, types] of Object.entries(STREAM_ATTRS)) {
        if (stream[attr] !== undefined && !types.includes(v.type)) bad(child, attr, types);
      }
    }
  },
});
export type Audio = Static<typeof Audio>;

/** Anything that refers to an audio backend by id: a sound card, a VNC or D-Bus display. */
export interface AudioUser {
  audio?: { id: number };
}

/**
 * Rules across the domain's audio backends (libvirt's, for every hypervisor): ids are unique,
 * and every `<audio id='N'/>` reference of a sound card or display names an existing backend.
 */
export function validateAudios(audios: readonly Audio[], users: readonly AudioUser[] = [], label?: string): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const seen = new Set<number>();
  audios.forEach((a, i) => {
    if (seen.has(a.id)) {
      issues.push(deviceIssue(a, `audio ID ${a.id} is used multiple times`, {
        prop: 'id', xmlName: '@id', label: label && `${label}/audios/${i}`, fix: 'give each <audio> its own id',
      }));
    }
    seen.add(a.id);
  });
  for (const u of users) {
    if (u.audio && !seen.has(u.audio.id)) {
      issues.push(deviceIssue(u.audio, `no audio device with ID ${u.audio.id}`, {
        label, fix: `add <audio id='${u.audio.id}' type='...'/> to <devices> or refer to an existing id`,
      }));
    }
  }
  return issues;
}
