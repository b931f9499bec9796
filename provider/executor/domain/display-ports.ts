/**
 * VNC and SPICE displays at launch: free TCP ports for the displays that ask for automatic
 * allocation, and their passwords over QMP.
 *
 * Ports: libvirt allocates from 5900 up (websockets from 5700) the first port nobody uses. Here
 * "used" is every TCP port the host has in LISTEN state (/proc/net/tcp and tcp6, read through
 * the Transport) plus the ports other domains' status.json records (a QEMU that is starting may
 * not listen yet). The choice is written into the prepared domain (`autoport='no'`, `port=N`)
 * before the argv is built, so QEMU gets the real port instead of the argv builder's stand-in
 * (PRETEND_PORTS), and is recorded in status.json (DisplayRecord). Runs under the host lock, so
 * two launches never pick the same port; a process outside virtform may still take it between
 * the choice and QEMU's bind, which QEMU reports as a launch failure.
 *
 * Passwords are never on the command line (the builder only says `password=on`), in status.json
 * or in messages: `set_password` (and `expire_password` for `passwdValidTo`) go to QEMU before
 * `cont` as LaunchSpec.beforeCont commands.
 */
import type { Domain } from '../../../model/domain/domain';
import type { Graphics } from '../../../model/domain/devices/graphics';
import type { QmpCommand } from './launch-spec';
import type { DisplayRecord } from './status-record';

/** First port of libvirt's display range (qemu.conf remote_display_port_min) and of its websocket range. */
export const DISPLAY_PORT_FIRST = 5900;
export const WEBSOCKET_PORT_FIRST = 5700;
/** Last port tried (remote_display_port_max). */
export const DISPLAY_PORT_LAST = 65535;

/** Local ports in LISTEN state (st 0A) in /proc/net/tcp or tcp6 texts. */
export function listeningTcpPorts(...procNetTcp: readonly string[]): Set<number> {
  const out = new Set<number>();
  for (const text of procNetTcp) {
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '0A') continue;
      const port = parseInt(f[1].split(':').pop() ?? '', 16);
      if (Number.isInteger(port)) out.add(port);
    }
  }
  return out;
}

/** The lowest port from `from` up that is not in `used`; the port is added to `used`. Throws when none is left. */
export function takeFreePort(used: Set<number>, from: number, what: string): number {
  for (let p = from; p <= DISPLAY_PORT_LAST; p++) {
    if (!used.has(p)) {
      used.add(p);
      return p;
    }
  }
  throw new Error(`no free TCP port from ${from} to ${DISPLAY_PORT_LAST} for the ${what}`);
}

function listenOf(g: Graphics): { kind: 'address' | 'socket' | 'none'; address?: string } {
  const l = g.listens?.[0];
  if (l) {
    if (l.type === 'socket') return { kind: 'socket', address: l.socket };
    if (l.type === 'none') return { kind: 'none' };
    return { kind: 'address', address: l.address ?? g.listen };
  }
  if (g.type === 'vnc' && g.socket !== undefined) return { kind: 'socket', address: g.socket };
  if (g.type === 'spice' && g.autoport !== 'yes' && !g.port && !g.tlsPort && g.listen === undefined) return { kind: 'none' };
  return { kind: 'address', address: g.listen };
}

/**
 * Gives every VNC/SPICE display that asks for allocation (`autoport='yes'`, `port='-1'`,
 * `websocket='-1'`) a free port, in place, and returns the listeners of all VNC/SPICE displays.
 * `used` is updated with the ports taken. `defaultListen` is the address QEMU listens on when the
 * domain gives none (qemu.conf vnc_listen/spice_listen; 127.0.0.1).
 */
export function assignDisplayPorts(def: Domain, used: Set<number>, defaultListen = '127.0.0.1'): DisplayRecord[] {
  const out: DisplayRecord[] = [];
  for (const g of def.devices?.graphics ?? []) {
    if (g.type !== 'vnc' && g.type !== 'spice') continue;
    const listen = listenOf(g);
    if (listen.kind !== 'address') {
      out.push({ type: g.type, address: listen.kind === 'socket' ? listen.address ?? '' : 'none', port: null, autoport: false });
      continue;
    }
    const auto = g.autoport === 'yes';
    const address = listen.address ?? defaultListen;
    if (g.type === 'vnc') {
      if (auto || g.port === undefined || g.port === -1) g.port = takeFreePort(used, DISPLAY_PORT_FIRST, `VNC display of domain '${def.name}'`);
      if (g.websocket === -1) g.websocket = takeFreePort(used, WEBSOCKET_PORT_FIRST, `VNC websocket of domain '${def.name}'`);
      g.autoport = 'no';
      out.push({ type: 'vnc', address, port: g.port, ...(g.websocket ? { websocket: g.websocket } : {}), autoport: auto });
    } else {
      if (auto || g.port === -1) g.port = takeFreePort(used, DISPLAY_PORT_FIRST, `SPICE display of domain '${def.name}'`);
      if (g.tlsPort === -1) g.tlsPort = takeFreePort(used, DISPLAY_PORT_FIRST, `SPICE TLS port of domain '${def.name}'`);
      g.autoport = 'no';
      out.push({ type: 'spice', address, port: g.port ?? 0, ...(g.tlsPort ? { tlsPort: g.tlsPort } : {}), autoport: auto });
    }
  }
  return out;
}

/** Ports other domains' status records hold for their displays. */
export function recordedDisplayPorts(records: readonly { readonly displays?: readonly DisplayRecord[] }[]): number[] {
  return records.flatMap((r) => (r.displays ?? []).flatMap((d) => [d.port, d.tlsPort, d.websocket].filter((p): p is number => typeof p === 'number' && p > 0)));
}

/**
 * The QMP commands that give QEMU the display passwords before `cont`: `set_password` per VNC
 * display with `passwd` and per SPICE display (SPICE keeps ticketing on until a password, possibly
 * empty, is set), `expire_password` for `passwdValidTo`. The arguments carry the secret: callers
 * must never log them.
 */
export function graphicsPasswordCommands(def: Domain): QmpCommand[] {
  const out: QmpCommand[] = [];
  for (const g of def.devices?.graphics ?? []) {
    if (g.type !== 'vnc' && g.type !== 'spice') continue;
    if (g.type === 'vnc' && g.passwd === undefined) continue;
    if (g.type === 'spice' && listenOf(g).kind === 'none' && g.passwd === undefined) continue;
    out.push({
      execute: 'set_password',
      arguments: { protocol: g.type, password: g.passwd ?? '', ...(g.type === 'spice' ? { connected: g.connected ?? 'keep' } : {}) },
    });
    if (g.passwdValidTo !== undefined) {
      const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(g.passwdValidTo) ? g.passwdValidTo : `${g.passwdValidTo}Z`);
      if (!Number.isFinite(ms)) throw new Error(`graphics passwdValidTo '${g.passwdValidTo}' of domain '${def.name}' is not an ISO 8601 time (2030-01-01T00:00:00)`);
      out.push({ execute: 'expire_password', arguments: { protocol: g.type, time: String(Math.floor(ms / 1000)) } });
    }
  }
  return out;
}
