/**
 * What the QEMU post-parse defaults depend on besides the domain and the QEMU binary's caps:
 * host facts, qemu.conf-style driver settings and the environment libvirtd would run with. All
 * plain data, so the pass stays a pure function (the conformance runner passes libvirt's test
 * harness values, the executor passes the real host's).
 */
import type { FirmwareDescriptor } from './firmware-descriptor';

/**
 * The qemu.conf settings that change defaults (libvirt's names, see qemu.conf(5)). Absent means
 * libvirt's built-in default.
 */
export interface QemuDriverConfig {
  /** `vnc_allow_host_audio`: a VNC guest without `<audio>` gets the host's audio driver. Default false. */
  readonly vncAllowHostAudio?: boolean;
  /** `nographics_allow_host_audio`: same for a guest without graphics. Default false. */
  readonly nogfxAllowHostAudio?: boolean;
  /** `spice_tls`: SPICE TLS is configured on the host. Default false. */
  readonly spiceTLS?: boolean;
  /** `spice_auto_unix_socket`: SPICE listens on a UNIX socket when no listen is given. Default false. */
  readonly spiceAutoUnixSocket?: boolean;
  /** `vnc_auto_unix_socket`: VNC listens on a UNIX socket when no listen is given. Default false. */
  readonly vncAutoUnixSocket?: boolean;
  /** `nvram_dir`-derived: where per-domain UEFI variable stores are created. Default /var/lib/libvirt/qemu/nvram. */
  readonly nvramDir?: string;
  /** The driver's state directory (libvirt: /var/lib/libvirt/qemu); paths libvirt generates live under it. */
  readonly libDir?: string;
  /** Where generated guest-agent channel sockets live (libvirt: /var/lib/libvirt/qemu/channel/target). */
  readonly channelTargetDir?: string;
}

export interface QemuDefaultsOptions {
  /** Architecture of the host running QEMU (`x86_64`); the guest arch defaults to it. */
  readonly hostArch?: string;
  readonly config?: QemuDriverConfig;
  /**
   * The environment QEMU would start with (libvirt reads QEMU_AUDIO_DRV and SDL_AUDIODRIVER to
   * pick the default audio backend when host audio is allowed).
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Generates a random UUID for `<genid/>` (a request for a new generation id). The pass is pure,
   * so the caller supplies randomness; without it the request stays as written.
   */
  readonly newGenid?: () => string;
  /**
   * Firmware descriptors available on the host, already parsed and in libvirt's precedence order
   * (see loadFirmwareDescriptors). Only used by firmware autoselection (prepare for launch).
   */
  readonly firmware?: readonly FirmwareDescriptor[];
  /**
   * The definition is loaded as a definition (libvirt's "inactive" parse; the default): runtime
   * leftovers such as generated socket paths are dropped. False when loading a running
   * domain's live XML.
   */
  readonly inactive?: boolean;
}

export const DEFAULT_NVRAM_DIR = '/var/lib/libvirt/qemu/nvram';
export const DEFAULT_LIB_DIR = '/var/lib/libvirt/qemu';
export const DEFAULT_CHANNEL_TARGET_DIR = '/var/lib/libvirt/qemu/channel/target';
