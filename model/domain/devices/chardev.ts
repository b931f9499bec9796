/**
 * The pieces every character device shares (serial, parallel, console, channel; also the
 * chardev backends of redirdev, smartcard passthrough and rng egd): the host-side `<source>`,
 * the telnet/raw `<protocol>`, the `<log>` file, and the source rules libvirt checks for every
 * hypervisor.
 *
 * Layout, as libvirt prints it:
 *   <serial type='tcp'>
 *     <source mode='connect' host='127.0.0.1' service='5555' tls='no'>   (udp: one <source> per mode, bind first)
 *       <reconnect enabled='yes' timeout='10'/>
 *     </source>
 *     <protocol type='raw'/>                                              (tcp only; libvirt always prints it)
 *     <log file='/var/log/x.log' append='on'/>
 *     <target .../>
 *     <alias/> <address/>
 *   </serial>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { DeviceSeclabel } from './seclabel';
import { Reconnect } from './reconnect';
import { deviceIssue } from './device-issue';

/** Where the host side of a character device goes. */
export const ChrType = X.enumOf(
  'null', 'vc', 'pty', 'dev', 'file', 'pipe', 'stdio', 'udp', 'tcp', 'unix',
  'spicevmc', 'spiceport', 'nmdm', 'qemu-vdagent', 'dbus',
);
export type ChrType = Static<typeof ChrType.schema>;

/** `<clipboard copypaste='yes'/>` of a qemu-vdagent source. */
export const ChrClipboard = X.element({ copypaste: X.reqAttr(X.yesNo()) });

/** `<mouse mode='client'/>` of a qemu-vdagent source. */
export const ChrMouse = X.element({ mode: X.reqAttr(X.enumOf('server', 'client')) });

/**
 * One `<source>` of a character device. Which attributes apply depends on the device `type`:
 *   dev/file/pipe/pty: path (+ append for file) and seclabels;
 *   tcp: mode, host, service, tls, reconnect;   udp: mode, host, service (one source per mode);
 *   unix: mode, path, seclabels, reconnect;      nmdm: master, slave;
 *   spiceport/dbus: channel;                     qemu-vdagent: clipboard, mouse.
 */
export const ChrSource = X.element({
  /** `bind` listens, `connect` (the default) connects out. */
  mode: X.attr(X.enumOf('bind', 'connect')),
  path: X.attr(X.str()),
  /** file: append to the file instead of truncating it. */
  append: X.attr(X.onOff()),
  host: X.attr(X.str()),
  /** TCP/UDP port number or service name. */
  service: X.attr(X.str()),
  /** tcp: use TLS (x509 certificates from the host configuration). */
  tls: X.attr(X.yesNo()),
  /** nmdm: the master and slave devices of a FreeBSD null-modem pair. */
  master: X.attr(X.str()),
  slave: X.attr(X.str()),
  /** spiceport/dbus channel name, e.g. `org.qemu.console.serial.0`. */
  channel: X.attr(X.str()),
  seclabels: X.children(DeviceSeclabel, { xml: 'seclabel' }),
  reconnect: X.child(Reconnect),
  clipboard: X.child(ChrClipboard),
  mouse: X.child(ChrMouse),
});
export type ChrSource = Static<typeof ChrSource>;

/** `<protocol type='telnet'/>`: the wire protocol of a tcp character device (default raw). */
export const ChrProtocol = X.element({ type: X.attr(X.enumOf('raw', 'telnet', 'telnets', 'tls')) });
export type ChrProtocol = Static<typeof ChrProtocol>;

/** `<log file='...' append='on'/>`: also copy the device's output into a host file. */
export const ChrLog = X.element({
  file: X.reqAttr(X.str()),
  append: X.attr(X.onOff()),
});
export type ChrLog = Static<typeof ChrLog>;

/**
 * The host-side properties of a character device, in libvirt's order: sources, protocol, log.
 * Spread them after the element's `type` attribute (and before its `<target>`).
 */
export function chrSourceProps() {
  return {
    sources: X.children(ChrSource, { xml: 'source' }),
    protocol: X.child(ChrProtocol),
    log: X.child(ChrLog),
  };
}

/** What a chardev-backed object looks like to the shared source rules. */
export interface ChrBacked {
  type?: ChrType;
  sources?: ChrSource[];
  protocol?: ChrProtocol;
  log?: ChrLog;
}

/** The source for the given mode (`connect` when unspecified); udp carries one of each. */
export function chrSourceFor(dev: ChrBacked, mode: 'bind' | 'connect' = 'connect'): ChrSource | undefined {
  return dev.sources?.find((s) => (s.mode ?? 'connect') === mode);
}

/** Characters libvirt allows in a spiceport channel name. */
const CHANNEL_NAME = /^[A-Za-z0-9_.-]*$/;

export interface ChrSourceRuleOpts {
  /**
   * A unix source may omit its path when libvirt generates one: for virtio and xen guest
   * agent channels.
   */
  readonly pathOptional?: boolean;
  /** Path for objects built in code. */
  readonly label?: string;
}

/**
 * The source rules libvirt enforces for every hypervisor (messages as libvirt words them).
 * `dev` is a serial/parallel/console/channel, or the chardev part of a redirdev, smartcard or rng.
 */
export function validateChrSource(dev: ChrBacked, opts: ChrSourceRuleOpts = {}): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const src = dev.sources?.[0];
  const at = (problem: string, fix: string, prop = 'sources') =>
    issues.push(deviceIssue(dev, problem, { prop, xmlName: 'source', fix, label: opts.label }));
  const type = dev.type ?? 'pty';
  switch (type) {
    case 'file':
    case 'dev':
    case 'pipe':
      if (!src?.path) at('Missing source path attribute for char device', `add <source path='...'/> for a '${type}' character device`);
      break;
    case 'nmdm':
      if (!src?.master) at('Missing master path attribute for nmdm device', "add master='/dev/nmdmNA' to <source>");
      else if (!src.slave) at('Missing slave path attribute for nmdm device', "add slave='/dev/nmdmNB' to <source>");
      break;
    case 'tcp':
      if (!src?.host) at('Missing source host attribute for char device', "add host='HOST' to <source>");
      else if (!src.service) at('Missing source service attribute for char device', "add service='PORT' to <source>");
      else if (src.mode === 'bind' && src.reconnect?.enabled === 'yes') {
        at('chardev reconnect is possible only for connect mode', "use mode='connect' or drop <reconnect>");
      }
      break;
    case 'udp':
      if (!chrSourceFor(dev, 'connect')?.service) {
        at('Missing source service attribute for char device', "add <source mode='connect' host='HOST' service='PORT'/>");
      }
      break;
    case 'unix':
      if (!src?.path && !opts.pathOptional) at('Missing source path attribute for char device', "add path='/path/to/socket' to <source>");
      else if (src?.mode === 'bind' && src.reconnect?.enabled === 'yes') {
        at('chardev reconnect is possible only for connect mode', "use mode='connect' or drop <reconnect>");
      }
      break;
    case 'spiceport':
      if (!src?.channel) at('Missing source channel attribute for char device', "add channel='org.qemu.console.serial.0' to <source>");
      else if (!CHANNEL_NAME.test(src.channel)) {
        at('Invalid character in source channel for char device', 'use only letters, digits, _, - and . in the channel name');
      }
      break;
    default:
      break;
  }
  return issues;
}
