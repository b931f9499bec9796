/**
 * `<graphics>`: how the guest display is exported: a local SDL window, a VNC or SPICE server,
 * RDP, a desktop window, headless OpenGL rendering (egl-headless), or D-Bus.
 *
 *   <graphics type='spice' port='5903' tlsPort='5904' autoport='no' listen='127.0.0.1' defaultMode='secure'>
 *     <listen type='address' address='127.0.0.1'/>
 *     <channel name='main' mode='secure'/>
 *     <image compression='auto_glz'/>
 *     <gl enable='yes' rendernode='/dev/dri/renderD128'/>
 *   </graphics>
 *
 * One element covers every type; which attributes and children apply depends on `type` and is
 * checked while parsing (libvirt's schema allows each only for its types).
 */
import * as X from '../../schema';
import type { Static, TObject } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceIssue } from './device-issue';

export const GraphicsType = X.enumOf('sdl', 'vnc', 'spice', 'rdp', 'desktop', 'egl-headless', 'dbus');
export type GraphicsType = Static<typeof GraphicsType.schema>;

/**
 * Where a VNC/SPICE/RDP server listens. `address`: an IP or host name (all interfaces when
 * absent); `network`: the address of a libvirt network; `socket`: a unix socket; `none`: no
 * listener (SPICE with OpenGL, VNC reachable only through the management API).
 */
export const GraphicsListen = X.element(
  {
    type: X.reqAttr(X.enumOf('address', 'network', 'socket', 'none')),
    address: X.attr(X.str()),
    network: X.attr(X.str()),
    socket: X.attr(X.str()),
  },
  {
    check(v, el, ctx) {
      if (v.address !== undefined && v.type !== 'address' && v.type !== 'network') {
        ctx.fail(el, `attribute 'address' does not apply to listen type '${v.type}'`, { attr: 'address', fix: "use type='address'" });
      }
      if (v.network !== undefined && v.type !== 'network') {
        ctx.fail(el, `attribute 'network' does not apply to listen type '${v.type}'`, { attr: 'network', fix: "use type='network'" });
      }
      if (v.type === 'network' && v.network === undefined) {
        ctx.fail(el, "'network' attribute is required for listen type 'network'", { fix: "add network='NAME'" });
      }
      if (v.socket !== undefined && v.type !== 'socket') {
        ctx.fail(el, `attribute 'socket' does not apply to listen type '${v.type}'`, { attr: 'socket', fix: "use type='socket'" });
      }
    },
  },
);
export type GraphicsListen = Static<typeof GraphicsListen>;

export const SpiceChannelName = X.enumOf('main', 'display', 'inputs', 'cursor', 'playback', 'record', 'smartcard', 'usbredir');
const SPICE_CHANNEL_ORDER = ['main', 'display', 'inputs', 'cursor', 'playback', 'record', 'smartcard', 'usbredir'];
export const SpiceSecurityMode = X.enumOf('any', 'secure', 'insecure');

/** SPICE: whether one channel must (secure) or must not (insecure) use TLS. */
export const SpiceChannel = X.element({
  name: X.reqAttr(SpiceChannelName),
  mode: X.reqAttr(SpiceSecurityMode),
});
export type SpiceChannel = Static<typeof SpiceChannel>;

const compression = <T extends readonly [string, ...string[]]>(...values: T) =>
  X.element({ compression: X.reqAttr(X.enumOf(...values)) });

export const SpiceImage = compression('auto_glz', 'auto_lz', 'quic', 'glz', 'lz', 'off');
export const SpiceJpeg = compression('auto', 'never', 'always');
export const SpiceZlib = compression('auto', 'never', 'always');
export const SpicePlayback = X.element({ compression: X.reqAttr(X.onOff()) });
export const SpiceStreaming = X.element({ mode: X.reqAttr(X.enumOf('filter', 'all', 'off')) });
export const SpiceClipboard = X.element({ copypaste: X.reqAttr(X.yesNo()) });
export const SpiceMouse = X.element({ mode: X.reqAttr(X.enumOf('server', 'client')) });
export const SpiceFileTransfer = X.element({ enable: X.reqAttr(X.yesNo()) });

/** OpenGL acceleration; `rendernode` is the host DRM render node (`/dev/dri/renderD128`). */
export const GraphicsGl = X.element({
  enable: X.attr(X.yesNo()),
  rendernode: X.attr(X.str()),
});
export type GraphicsGl = Static<typeof GraphicsGl>;

/** The `<audio id='N'/>` backend (see audio.ts) a VNC or D-Bus display streams sound through. */
export const GraphicsAudio = X.element({ id: X.reqAttr(X.uint({ min: 1, max: 255 })) });

/** A TCP port, or -1 for "allocate one" (libvirt prints -1 for auto-allocated ports). */
const port = () => X.int({ min: -1, max: 65535 });

const graphicsProps = {
  type: X.reqAttr(GraphicsType),
  /** sdl/desktop: the X11 display (`:0.1`). */
  display: X.attr(X.str()),
  /** sdl: the X11 authority file. */
  xauth: X.attr(X.str()),
  fullscreen: X.attr(X.yesNo()),
  /** vnc: listen on this unix socket (legacy form of `<listen type='socket'>`). */
  socket: X.attr(X.str()),
  port: X.attr(port()),
  /** spice: the TLS port. */
  tlsPort: X.attr(port()),
  autoport: X.attr(X.yesNo()),
  /** vnc: the WebSocket port. */
  websocket: X.attr(port()),
  /** rdp: allow a new client to replace the connected one. */
  replaceUser: X.attr(X.yesNo()),
  /** rdp: allow several clients at once. */
  multiUser: X.attr(X.yesNo()),
  /** Legacy listen address; mirrors the first `<listen type='address'>`. */
  listen: X.attr(X.str()),
  keymap: X.attr(X.str()),
  /** spice: TLS policy for channels not listed in `<channel>`. */
  defaultMode: X.attr(SpiceSecurityMode),
  /** vnc: how concurrent clients share the display. */
  sharePolicy: X.attr(X.enumOf('allow-exclusive', 'force-shared', 'ignore')),
  /** vnc: allow clients to reset/shut down the guest. */
  powerControl: X.attr(X.yesNo()),
  passwd: X.attr(X.str()),
  /** ISO 8601 time (UTC) after which the password stops working. */
  passwdValidTo: X.attr(X.str()),
  /** What happens to connected clients when the password changes (vnc: keep only). */
  connected: X.attr(X.enumOf('fail', 'disconnect', 'keep')),
  /** dbus: peer-to-peer connections instead of a bus. */
  p2p: X.attr(X.yesNo()),
  /** dbus: the bus address. */
  address: X.attr(X.str()),
  listens: X.children(GraphicsListen, { xml: 'listen' }),
  channels: X.children(SpiceChannel, { xml: 'channel' }),
  image: X.child(SpiceImage),
  jpeg: X.child(SpiceJpeg),
  zlib: X.child(SpiceZlib),
  playback: X.child(SpicePlayback),
  streaming: X.child(SpiceStreaming),
  clipboard: X.child(SpiceClipboard),
  mouse: X.child(SpiceMouse),
  filetransfer: X.child(SpiceFileTransfer),
  gl: X.child(GraphicsGl),
  audio: X.child(GraphicsAudio),
};
type GraphicsValue = Static<TObject<typeof graphicsProps>>;

export const Graphics = X.element(graphicsProps, {
  write(w, name, v: GraphicsValue, writeDefault) {
    // libvirt keeps one mode per SPICE channel and prints them in channel order, skipping 'any'.
    if (!v.channels) return writeDefault(w, name, v);
    const channels = v.channels
      .filter((c) => c.mode !== 'any')
      .sort((a, b) => SPICE_CHANNEL_ORDER.indexOf(a.name) - SPICE_CHANNEL_ORDER.indexOf(b.name));
    writeDefault(w, name, { ...v, channels: channels.length ? channels : undefined });
  },
  check(v: GraphicsValue, el, ctx) {
    for (const [key, xml, types] of APPLIES) {
      if ((v as Record<string, unknown>)[key] !== undefined && !types.includes(v.type)) {
        const isAttr = !xml.startsWith('<');
        const what = isAttr ? `attribute '${xml}'` : `element ${xml}`;
        const fail = { fix: `remove it; it applies to graphics type ${types.map((t) => `'${t}'`).join(', ')}` };
        if (isAttr) ctx.fail(el, `${what} does not apply to graphics type '${v.type}'`, { ...fail, attr: xml });
        const child = el.children.find((c) => c.kind === 'element' && `<${c.name}>` === xml);
        ctx.fail(child && child.kind === 'element' ? child : el, `${what} does not apply to graphics type '${v.type}'`, fail);
      }
    }
    if (v.connected !== undefined && v.connected !== 'keep' && v.type === 'vnc') {
      ctx.fail(el, "VNC supports connected='keep' only", { attr: 'connected', fix: "use connected='keep' or remove the attribute" });
    }
    if (v.gl && v.gl.enable === undefined && v.type !== 'egl-headless') {
      ctx.fail(el, `<gl> of graphics type '${v.type}' needs the 'enable' attribute`, { fix: "write <gl enable='yes'/>" });
    }
    if (v.gl?.rendernode !== undefined && v.type === 'sdl') {
      ctx.fail(el, "<gl rendernode> does not apply to graphics type 'sdl'", { fix: 'remove the rendernode attribute' });
    }
  },
});
export type Graphics = Static<typeof Graphics>;

/** Which graphics types each type-specific property belongs to (attributes, then `<children>`). */
const APPLIES: ReadonlyArray<readonly [string, string, readonly GraphicsType[]]> = [
  ['display', 'display', ['sdl', 'desktop']],
  ['xauth', 'xauth', ['sdl']],
  ['fullscreen', 'fullscreen', ['sdl', 'desktop']],
  ['socket', 'socket', ['vnc']],
  ['port', 'port', ['vnc', 'spice', 'rdp']],
  ['tlsPort', 'tlsPort', ['spice']],
  ['autoport', 'autoport', ['vnc', 'spice', 'rdp']],
  ['websocket', 'websocket', ['vnc']],
  ['replaceUser', 'replaceUser', ['rdp']],
  ['multiUser', 'multiUser', ['rdp']],
  ['listen', 'listen', ['vnc', 'spice', 'rdp']],
  ['keymap', 'keymap', ['vnc', 'spice']],
  ['defaultMode', 'defaultMode', ['spice']],
  ['sharePolicy', 'sharePolicy', ['vnc']],
  ['powerControl', 'powerControl', ['vnc']],
  ['passwd', 'passwd', ['vnc', 'spice']],
  ['passwdValidTo', 'passwdValidTo', ['vnc', 'spice']],
  ['connected', 'connected', ['vnc', 'spice']],
  ['p2p', 'p2p', ['dbus']],
  ['address', 'address', ['dbus']],
  ['listens', '<listen>', ['vnc', 'spice', 'rdp']],
  ['channels', '<channel>', ['spice']],
  ['image', '<image>', ['spice']],
  ['jpeg', '<jpeg>', ['spice']],
  ['zlib', '<zlib>', ['spice']],
  ['playback', '<playback>', ['spice']],
  ['streaming', '<streaming>', ['spice']],
  ['clipboard', '<clipboard>', ['spice']],
  ['mouse', '<mouse>', ['spice']],
  ['filetransfer', '<filetransfer>', ['spice']],
  ['gl', '<gl>', ['sdl', 'spice', 'egl-headless', 'dbus']],
  ['audio', '<audio>', ['vnc', 'dbus']],
];

/**
 * Rules libvirt enforces for every hypervisor on one graphics device: the legacy `listen` and
 * `socket` attributes must agree with the first `<listen>`, and listen types must suit the
 * graphics type.
 */
export function validateGraphics(g: Graphics, label?: string): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const first = g.listens?.[0];
  if (g.listen !== undefined && first && (first.type === 'address' || first.type === 'network') && first.address !== undefined && first.address !== g.listen) {
    issues.push(deviceIssue(g, `graphics listen attribute ${g.listen} must match address attribute of first listen element (found ${first.address})`, {
      prop: 'listen', xmlName: '@listen', label, fix: 'make them equal or drop the listen attribute',
    }));
  }
  if (g.socket !== undefined && first?.type === 'socket' && first.socket !== undefined && first.socket !== g.socket) {
    issues.push(deviceIssue(g, `graphics 'socket' attribute '${g.socket}' must match 'socket' attribute of first listen element (found '${first.socket}')`, {
      prop: 'socket', xmlName: '@socket', label, fix: 'make them equal or drop the socket attribute',
    }));
  }
  if (g.type === 'dbus' && g.p2p === 'yes' && g.address !== undefined) {
    issues.push(deviceIssue(g, 'D-Bus p2p with an address is not supported', { prop: 'address', xmlName: '@address', label, fix: "drop address or p2p='yes'" }));
  }
  for (const l of g.listens ?? []) {
    if (l.type === 'socket' && g.type !== 'vnc' && g.type !== 'spice') {
      issues.push(deviceIssue(l, `listen type 'socket' is not available for graphics type '${g.type}'`, { label, fix: "use type='address'" }));
    }
    if (l.type === 'none' && g.type !== 'vnc' && g.type !== 'spice') {
      issues.push(deviceIssue(l, `listen type 'none' is not available for graphics type '${g.type}'`, { label, fix: "use type='address'" }));
    }
  }
  return issues;
}

/**
 * libvirt's generic graphics defaults, in place:
 *  - the legacy `listen` (and VNC `socket`) attribute and the first `<listen>` mirror each other
 *    (whichever is given fills the other);
 *  - VNC on an address/network listener: no port (or port -1) means autoport, and autoport
 *    prints as port -1; an explicit port means autoport='no';
 *  - SPICE on an address/network listener: autoport prints 'yes'/'no', port -1 means autoport.
 * The listener libvirt adds when there is none comes from the hypervisor's configuration
 * (QEMU: vnc_listen/spice_listen), so it is the provider's job.
 */
export function applyGraphicsDefaults(g: Graphics): void {
  if (g.type === 'vnc' || g.type === 'spice' || g.type === 'rdp') {
    if (!g.listens?.length) {
      if (g.listen !== undefined) g.listens = [{ type: 'address', address: g.listen }];
      else if (g.type === 'vnc' && g.socket !== undefined) g.listens = [{ type: 'socket', socket: g.socket }];
    }
    const first = g.listens?.[0];
    if (first?.type === 'address' && first.address !== undefined) g.listen ??= first.address;
    if (g.type === 'vnc' && first?.type === 'socket' && first.socket !== undefined) g.socket ??= first.socket;
    const onAddress = !first || first.type === 'address' || first.type === 'network';
    if (g.type === 'vnc' && onAddress) {
      if (g.port === undefined || g.port === -1 || g.autoport === 'yes') {
        g.port = -1;
        g.autoport = 'yes';
      } else {
        g.autoport ??= 'no';
      }
    }
    if (g.type === 'spice' && onAddress && first) {
      if (g.port === -1 || g.autoport === 'yes') {
        delete g.port;
        g.autoport = 'yes';
      } else {
        g.autoport ??= 'no';
      }
    }
  }
}
