/**
 * Graphics: how the guest display is exported.
 *
 *   vnc           -vnc 127.0.0.1:3,share=allow-exclusive,password=on,tls-creds=vnc-tls-creds0,sasl=on,power-control=on,audiodev=audio1
 *                 -vnc vnc=unix:/path/vnc.sock,...      -vnc none,...     ([v6]:display for IPv6)
 *   spice         -spice port=5903,tls-port=5904,addr=127.0.0.1,sasl=on,agent-mouse=off,x509-dir=...,
 *                        tls-channel=main,plaintext-channel=inputs,image-compression=auto_glz,...,
 *                        gl=on,rendernode=/dev/dri/renderD128,seamless-migration=on
 *   sdl           -display sdl[,gl=on]   (and DISPLAY/XAUTHORITY in QEMU's environment)
 *   egl-headless  -display egl-headless,rendernode=/dev/dri/renderD128
 *   dbus          -display dbus,p2p=on | addr=...,gl=on,rendernode=...,audiodev=audio1
 *
 * Listeners come from the domain, else from qemu.conf: `vnc_listen`/`spice_listen` (default
 * 127.0.0.1) for an address listener without an address, or a socket in the domain's private dir
 * when `vnc_auto_unix_socket`/`spice_auto_unix_socket` is set. A SPICE display without listener,
 * ports or autoport listens nowhere (`port=0`). See PRETEND_PORTS for auto-allocated ports.
 * OpenGL displays without a render node use the host's first DRM render node.
 *
 * Passwords never appear here: they are set over QMP after QEMU starts (`password=on` only
 * says one is required; a SPICE server keeps ticketing on until the launcher sets a password,
 * possibly empty, with `set_password`).
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Graphics, GraphicsListen } from '../../../../model/domain/devices/graphics';
import { qemuOptEscape, type QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addTlsCredsObject, configFlag, configString } from '../chardev-backend';
import { audiodevId } from './audio';
import { unsupported } from '../../validate/errors';

/** First port of the VNC/SPICE auto-allocation range (qemu.conf remote_display_port_min). */
export const DISPLAY_PORT_MIN = 5900;

/** The host's DRM render node for OpenGL displays that name none. */
function defaultRenderNode(ctx: ArgvContext): string | undefined {
  return ctx.host.drmRenderNode;
}

/**
 * The listener QEMU is given for graphics `g`: the first `<listen>` completed from qemu.conf
 * (see the file comment). undefined means SPICE with no listener at all (`port=0`).
 */
export function effectiveListen(g: Graphics, ctx: ArgvContext): GraphicsListen {
  const kind = g.type === 'vnc' ? 'vnc' : 'spice';
  let listen: GraphicsListen | undefined = g.listens?.[0];
  if (!listen) {
    if (g.type === 'vnc' && g.socket !== undefined) listen = { type: 'socket', socket: g.socket };
    else if (g.listen !== undefined) listen = { type: 'address', address: g.listen };
    else if (g.type === 'spice' && g.autoport !== 'yes' && !g.port && !g.tlsPort) listen = { type: 'none' };
    else listen = { type: 'address' };
  }
  const autoSocket = configFlag(ctx, kind === 'vnc' ? 'vncAutoUnixSocket' : 'spiceAutoUnixSocket');
  const cfgAddr = configString(ctx, kind === 'vnc' ? 'vncListen' : 'spiceListen') ?? '127.0.0.1';
  switch (listen.type) {
    case 'address':
      if (listen.address === undefined) {
        if (autoSocket) return { type: 'socket', socket: `${ctx.paths.domainLibDir}/${kind}.sock` };
        return { type: 'address', address: cfgAddr };
      }
      return listen;
    case 'network':
      return listen.address === undefined ? { ...listen, address: cfgAddr } : listen;
    case 'socket':
      return listen.socket === undefined ? { type: 'socket', socket: `${ctx.paths.domainLibDir}/${kind}.sock` } : listen;
    default:
      return listen;
  }
}

/**
 * Ports of auto-allocated displays. The executor picks free ports on the host and writes them
 * into the domain before building (as libvirt does when it starts a domain); a domain that still
 * asks for allocation gets the ports libvirt uses when it only prepares a command line:
 * VNC 5900, SPICE 5901 and TLS 5902.
 */
export const PRETEND_PORTS = { vnc: 5900, spice: 5901, spiceTls: 5902 } as const;

/** VNC port: the given one, or the pretend port of an auto-allocated display. */
function vncPort(g: Graphics): number {
  if (g.autoport === 'yes' || g.port === undefined || g.port === -1) return PRETEND_PORTS.vnc;
  return g.port;
}

function vncArgs(cmd: QemuCommandLine, def: Domain, g: Graphics, ctx: ArgvContext, state: ArgvState): void {
  const listen = effectiveListen(g, ctx);
  let opt = '';
  switch (listen.type) {
    case 'socket':
      opt = `vnc=unix:${qemuOptEscape(listen.socket ?? '')}`;
      break;
    case 'address':
    case 'network': {
      const port = vncPort(g);
      if (g.autoport !== 'yes' && g.port !== -1 && g.port !== undefined && (port < 5900 || port > 65535)) {
        throw unsupported('vnc port must be in range [5900,65535]');
      }
      const addr = listen.address;
      if (addr !== undefined) opt += addr.includes(':') ? `[${addr}]` : addr;
      opt += `:${port - DISPLAY_PORT_MIN}`;
      if (g.websocket !== undefined && g.websocket !== 0) {
        opt += `,websocket=${g.websocket === -1 ? DISPLAY_PORT_MIN - 200 : g.websocket}`;
      }
      break;
    }
    case 'none':
      opt = 'none';
      break;
  }
  if (g.sharePolicy) opt += `,share=${g.sharePolicy}`;
  if (g.passwd !== undefined || configString(ctx, 'vncPassword') !== undefined) opt += ',password=on';
  if (configFlag(ctx, 'vncTLS')) {
    const n = state.next('vnc-tls');
    const tlsId = `vnc-tls-creds${n}`;
    const secretUuid = configString(ctx, 'vncTLSx509secretUUID');
    addTlsCredsObject(cmd, ctx, {
      id: tlsId,
      dir: configString(ctx, 'vncTLSx509certdir') ?? '/etc/pki/libvirt-vnc',
      listen: true,
      verify: configFlag(ctx, 'vncTLSx509verify'),
      secretId: secretUuid ? `${tlsId}-secret0` : undefined,
      secretUuid,
    });
    opt += `,tls-creds=${tlsId}`;
  }
  if (configFlag(ctx, 'vncSASL')) {
    opt += ',sasl=on';
    const dir = configString(ctx, 'vncSASLdir');
    if (dir) cmd.setEnv('SASL_CONF_PATH', dir);
  }
  if (g.powerControl !== undefined) opt += `,power-control=${g.powerControl === 'yes' ? 'on' : 'off'}`;
  const audio = audiodevId(def, ctx, g.audio?.id);
  if (audio) opt += `,audiodev=${audio}`;
  cmd.add('-vnc', opt);
  if (g.keymap) cmd.add('-k', g.keymap);
}

const SPICE_CHANNELS = ['main', 'display', 'inputs', 'cursor', 'playback', 'record', 'smartcard', 'usbredir'];

/**
 * SPICE ports after auto-allocation: with autoport a plain port, and a TLS port when qemu.conf
 * enables SPICE TLS (an explicit -1 asks for one either way).
 */
function spicePorts(g: Graphics, ctx: ArgvContext): { port: number; tlsPort: number } {
  let port = g.port ?? 0;
  let tlsPort = g.tlsPort ?? 0;
  const auto = g.autoport === 'yes';
  const tls = configFlag(ctx, 'spiceTLS');
  let needPort = false;
  let needTls = false;
  if (auto) {
    // Channels without a mode (and the default mode) take either port.
    const modes = [...SPICE_CHANNELS.map((c) => g.channels?.find((x) => x.name === c)?.mode ?? 'any'), g.defaultMode ?? 'any'];
    for (const m of modes) {
      if (m === 'secure') needTls = true;
      else if (m === 'insecure') needPort = true;
      else {
        if (tls) needTls = true;
        needPort = true;
      }
    }
  }
  if (needPort || port === -1) port = PRETEND_PORTS.spice;
  if (needTls || tlsPort === -1) {
    if (!tls) throw unsupported('Auto allocation of spice TLS port requested but spice TLS is disabled in qemu.conf');
    tlsPort = PRETEND_PORTS.spiceTls;
  }
  return { port, tlsPort };
}

function spiceArgs(cmd: QemuCommandLine, g: Graphics, ctx: ArgvContext): void {
  const listen = effectiveListen(g, ctx);
  const opts: string[] = [];
  let hasSecure = false;
  let hasInsecure = false;
  const { port, tlsPort } = listen.type === 'address' || listen.type === 'network' ? spicePorts(g, ctx) : { port: 0, tlsPort: 0 };
  switch (listen.type) {
    case 'socket':
      opts.push(`unix,addr=${qemuOptEscape(listen.socket ?? '')}`);
      hasInsecure = true;
      break;
    case 'address':
    case 'network':
      if (port > 0) {
        opts.push(`port=${port}`);
        hasInsecure = true;
      }
      if (tlsPort > 0) {
        opts.push(`tls-port=${tlsPort}`);
        hasSecure = true;
      }
      if ((port > 0 || tlsPort > 0) && listen.address !== undefined) opts.push(`addr=${qemuOptEscape(listen.address)}`);
      break;
    case 'none':
      opts.push('port=0');
      hasInsecure = true;
      break;
  }
  if (configFlag(ctx, 'spiceSASL')) {
    opts.push('sasl=on');
    const dir = configString(ctx, 'spiceSASLdir');
    if (dir) cmd.setEnv('SASL_CONF_PATH', dir);
  }
  if (g.mouse?.mode) opts.push(`agent-mouse=${g.mouse.mode === 'client' ? 'on' : 'off'}`);
  if (hasSecure) opts.push(`x509-dir=${qemuOptEscape(configString(ctx, 'spiceTLSx509certdir') ?? '/etc/pki/libvirt-spice')}`);
  switch (g.defaultMode) {
    case 'secure':
      if (!hasSecure) throw unsupported('spice defaultMode secure requested in XML configuration, but TLS connection is not available');
      opts.push('tls-channel=default');
      break;
    case 'insecure':
      if (!hasInsecure) throw unsupported('spice defaultMode insecure requested in XML configuration, but plaintext connection is not available');
      opts.push('plaintext-channel=default');
      break;
    default:
      break;
  }
  const modes = new Map((g.channels ?? []).map((c) => [c.name, c.mode]));
  for (const name of SPICE_CHANNELS) {
    const mode = modes.get(name as never);
    if (mode === 'secure') {
      if (!hasSecure) throw unsupported('spice secure channels set in XML configuration, but TLS port is not provided');
      opts.push(`tls-channel=${name}`);
    } else if (mode === 'insecure') {
      if (!hasInsecure) throw unsupported('spice insecure channels set in XML configuration, but plain port is not provided');
      opts.push(`plaintext-channel=${name}`);
    }
  }
  if (g.image) opts.push(`image-compression=${g.image.compression}`);
  if (g.jpeg) opts.push(`jpeg-wan-compression=${g.jpeg.compression}`);
  if (g.zlib) opts.push(`zlib-glz-wan-compression=${g.zlib.compression}`);
  if (g.playback) opts.push(`playback-compression=${g.playback.compression}`);
  if (g.streaming) opts.push(`streaming-video=${g.streaming.mode}`);
  if (g.clipboard?.copypaste === 'no') opts.push('disable-copy-paste=on');
  if (g.filetransfer?.enable === 'no') opts.push('disable-agent-file-xfer=on');
  if (g.gl?.enable === 'yes') {
    opts.push('gl=on');
    const node = g.gl.rendernode ?? defaultRenderNode(ctx);
    if (node) opts.push(`rendernode=${qemuOptEscape(node)}`);
  }
  opts.push('seamless-migration=on');
  cmd.add('-spice', opts.join(','));
  if (g.keymap) cmd.add('-k', g.keymap);
}

function sdlArgs(cmd: QemuCommandLine, g: Graphics): void {
  if (g.xauth) cmd.setEnv('XAUTHORITY', g.xauth);
  if (g.display) cmd.setEnv('DISPLAY', g.display);
  if (g.fullscreen === 'yes') cmd.add('-full-screen');
  let opt = 'sdl';
  if (g.gl?.enable !== undefined) opt += `,gl=${g.gl.enable === 'yes' ? 'on' : 'off'}`;
  cmd.add('-display', opt);
}

function eglHeadlessArgs(cmd: QemuCommandLine, g: Graphics, ctx: ArgvContext): void {
  let opt = 'egl-headless';
  const node = g.gl?.rendernode ?? defaultRenderNode(ctx);
  if (node) opt += `,rendernode=${qemuOptEscape(node)}`;
  cmd.add('-display', opt);
}

function dbusArgs(cmd: QemuCommandLine, def: Domain, g: Graphics, ctx: ArgvContext): void {
  let opt = 'dbus';
  if (g.p2p === 'yes') opt += ',p2p=on';
  else if (g.address !== undefined) opt += `,addr=${qemuOptEscape(g.address)}`;
  if (g.gl?.enable !== undefined) {
    opt += `,gl=${g.gl.enable === 'yes' ? 'on' : 'off'}`;
    if (g.gl.enable === 'yes') {
      const node = g.gl.rendernode ?? defaultRenderNode(ctx);
      if (node) opt += `,rendernode=${qemuOptEscape(node)}`;
    }
  }
  if (g.audio) {
    const audio = audiodevId(def, ctx, g.audio.id);
    if (audio) opt += `,audiodev=${audio}`;
  }
  cmd.add('-display', opt);
}

export function buildGraphics(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  for (const g of def.devices?.graphics ?? []) {
    switch (g.type) {
      case 'sdl':
        sdlArgs(cmd, g);
        break;
      case 'vnc':
        vncArgs(cmd, def, g, ctx, state);
        break;
      case 'spice':
        spiceArgs(cmd, g, ctx);
        break;
      case 'egl-headless':
        eglHeadlessArgs(cmd, g, ctx);
        break;
      case 'dbus':
        dbusArgs(cmd, def, g, ctx);
        break;
      default:
        throw unsupported(`unsupported graphics type '${g.type}'`);
    }
  }
}
