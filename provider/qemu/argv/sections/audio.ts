/**
 * Audio backends: one `-audiodev` per `<audio>`, with QEMU's driver names (`pa` for pulseaudio,
 * `wav` for file) and the `in`/`out` stream settings of the backend:
 *
 *   {"id":"audio1","driver":"pa","timer-period":50,"server":"acme.example.org",
 *    "in":{"mixing-engine":true,"fixed-settings":true,"voices":1,"buffer-length":100,
 *          "frequency":44100,"channels":2,"format":"s16","name":"fish"},"out":{...}}
 *
 * The default backend of a domain without `<audio>` is added by provider/qemu/defaults. An SDL
 * backend with a driver sets `SDL_AUDIODRIVER` in QEMU's environment.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Audio, AudioStream, AudioType } from '../../../../model/domain/devices/audio';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { internalError } from '../../validate/errors';

/** QEMU's `-audiodev driver=` for each libvirt backend type. */
const QEMU_DRIVER: Record<AudioType, string> = {
  none: 'none',
  alsa: 'alsa',
  coreaudio: 'coreaudio',
  jack: 'jack',
  oss: 'oss',
  pulseaudio: 'pa',
  sdl: 'sdl',
  spice: 'spice',
  file: 'wav',
  dbus: 'dbus',
};

/**
 * The `-audiodev` id a sound card or display refers to: the backend with `id`, or the first
 * backend when no id is given; undefined when the domain has no audio.
 */
export function audiodevId(def: Domain, _ctx: ArgvContext, id: number | undefined): string | undefined {
  const audios = def.devices?.audios ?? [];
  if (!audios.length) return undefined;
  const a = id === undefined || id === 0 ? audios[0] : audios.find((x) => x.id === id);
  if (!a) throw internalError('unable to find audio backend for sound device');
  return `audio${a.id}`;
}

function put(props: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) props[key] = value;
}

const yes = (v: 'yes' | 'no' | undefined): boolean | undefined => (v === undefined ? undefined : v === 'yes');

/** One direction's properties; undefined when nothing is set. */
function streamProps(type: AudioType, s: AudioStream | undefined): Record<string, unknown> | undefined {
  if (!s) return undefined;
  const p: Record<string, unknown> = {};
  const fixed = s.fixedSettings === 'yes';
  put(p, 'mixing-engine', yes(s.mixingEngine));
  put(p, 'fixed-settings', yes(s.fixedSettings));
  if (s.voices) p.voices = s.voices;
  if (s.bufferLength) p['buffer-length'] = s.bufferLength;
  if (fixed) {
    if (s.settings?.frequency) p.frequency = s.settings.frequency;
    if (s.settings?.channels) p.channels = s.settings.channels;
    put(p, 'format', s.settings?.format);
  }
  switch (type) {
    case 'alsa':
      put(p, 'dev', s.dev);
      break;
    case 'coreaudio':
    case 'sdl':
      if (s.bufferCount) p['buffer-count'] = s.bufferCount;
      break;
    case 'jack':
      put(p, 'server-name', s.serverName);
      put(p, 'client-name', s.clientName);
      put(p, 'connect-ports', s.connectPorts);
      put(p, 'exact-name', yes(s.exactName));
      break;
    case 'oss':
      put(p, 'dev', s.dev);
      if (s.bufferCount) p['buffer-count'] = s.bufferCount;
      put(p, 'try-poll', yes(s.tryPoll));
      break;
    case 'pulseaudio':
      put(p, 'name', s.name);
      put(p, 'stream-name', s.streamName);
      if (s.latency) p.latency = s.latency;
      break;
    default:
      break;
  }
  return Object.keys(p).length ? p : undefined;
}

/** The `-audiodev` properties of one backend. */
export function audiodevProps(a: Audio): Record<string, unknown> {
  const p: Record<string, unknown> = { id: `audio${a.id}`, driver: QEMU_DRIVER[a.type] };
  if (a.timerPeriod) p['timer-period'] = a.timerPeriod;
  switch (a.type) {
    case 'oss':
      put(p, 'try-mmap', yes(a.tryMMap));
      put(p, 'exclusive', yes(a.exclusive));
      put(p, 'dsp-policy', a.dspPolicy);
      break;
    case 'pulseaudio':
      put(p, 'server', a.serverName);
      break;
    case 'file':
      put(p, 'path', a.path);
      break;
    default:
      break;
  }
  put(p, 'in', streamProps(a.type, a.input));
  put(p, 'out', streamProps(a.type, a.output));
  return p;
}

export function buildAudio(cmd: QemuCommandLine, def: Domain, _ctx: ArgvContext, _state: ArgvState): void {
  for (const a of def.devices?.audios ?? []) {
    if (a.type === 'sdl' && a.driver) cmd.setEnv('SDL_AUDIODRIVER', a.driver);
    cmd.addJson('-audiodev', audiodevProps(a));
  }
}
