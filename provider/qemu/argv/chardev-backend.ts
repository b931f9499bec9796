/**
 * The host side of a character device as `-chardev` (QEMU's legacy key=value syntax, which is
 * what libvirt 9.0 prints), with what has to come before it: `-add-fd` for files passed as fds,
 * and the `tls-creds-x509` object (and its password secret) of a TLS socket.
 *
 *   pty      pty,id=charserial0
 *   file     file,id=charserial0,path=/dev/fdset/0,append=on     (libvirt passes an fd set)
 *            file,id=charserial0,path=/var/log/x.log,append=on    (virtform: QEMU opens the path)
 *   dev      serial,id=charserial0,path=/dev/ttyS2                (parallel,... for parallel ports)
 *   tcp      socket,id=charserial0,host=127.0.0.1,port=9999,telnet=on,server=on,wait=off
 *   unix     socket,id=charchannel0,fd=1729,server=on,wait=off    (libvirt listens and passes the fd)
 *            socket,id=charchannel0,path=/run/x.sock,server=on,wait=off
 *   udp      udp,id=charserial0,host=127.0.0.1,port=2222,localaddr=127.0.0.1,localport=1111
 *   spicevmc spicevmc,id=charchannel0,name=vdagent
 *   log      ...,logfile=/dev/fdset/1,logappend=on
 *
 * Commas inside paths are doubled (QEMU's escaping). Chardev ids are `char` + the device alias.
 */
import type { ChrBacked, ChrSource } from '../../../model/domain/devices/chardev';
import { chrSourceFor } from '../../../model/domain/devices/chardev';
import { qemuOptEscape, type QemuCommandLine } from './command-line';
import type { ArgvContext } from './context';
import type { ArgvState } from './build';
import { unsupported } from '../validate/errors';
import { lookupSecret, secretObjectProps } from './secret-object';

/**
 * The fd numbers libvirt's test harness hands QEMU in place of files and sockets it opens itself
 * (used when `ctx.fdPassing` is `test-fds`): a listening socket is 1729, a chardev's output file
 * 1750 and its log file 1751.
 */
export const TEST_FD = { listenSocket: 1729, sourceFile: 1750, logFile: 1751 } as const;

/** How one device uses its chardev; these change what goes on the command line. */
export interface ChardevUse {
  /**
   * Alias of the device the chardev serves (`serial0`, `redir1`); names the fds passed for it
   * (`serial0-source`, `serial0-log`).
   */
  readonly deviceAlias: string;
  /**
   * Whether libvirt opens listening sockets and output files itself and passes the fds. It does
   * for guest-facing character devices, not for vhost-user backends or TPM sockets.
   */
  readonly passFds?: boolean;
  /** A listening socket makes QEMU wait for the first client before the guest runs (vhost-user net). */
  readonly wait?: boolean;
  /** What a `spicevmc` chardev carries: `vdagent` (channels), `smartcard`, `usbredir`. */
  readonly spicevmc?: 'vdagent' | 'smartcard' | 'usbredir';
  /** `parallel` for parallel ports (a host `dev` is then a parport), `serial` otherwise. */
  readonly hostDevice?: 'serial' | 'parallel';
  /**
   * TLS for a tcp chardev: on when the source says `tls='yes'`, or when it says nothing and
   * qemu.conf's `chardev_tls` is on. False for backends that never use it.
   */
  readonly tlsAllowed?: boolean;
}

/** qemu.conf value as a boolean (`1`, `true`). */
export function configFlag(ctx: ArgvContext, key: string): boolean {
  const v = ctx.config?.[key];
  return v === true || v === 1 || v === '1' || v === 'true';
}

/** qemu.conf value as a string, or undefined. */
export function configString(ctx: ArgvContext, key: string): string | undefined {
  const v = ctx.config?.[key];
  return v === undefined || v === '' ? undefined : String(v);
}

/**
 * Passes one fd to QEMU in a new fd set and returns the path QEMU opens it by (`/dev/fdset/N`).
 * `opaque` names the fd for humans (`serial0-source`).
 */
export function addFdSet(cmd: QemuCommandLine, state: ArgvState, fd: number, opaque: string): string {
  const set = state.next('fdset');
  cmd.add('-add-fd', `set=${set},fd=${fd},opaque=${opaque}`);
  return `/dev/fdset/${set}`;
}

/** Whether a tcp source of `dev` uses TLS for this use. */
export function chardevUsesTls(dev: ChrBacked, ctx: ArgvContext, use: ChardevUse): boolean {
  if ((dev.type ?? 'pty') !== 'tcp' || use.tlsAllowed === false) return false;
  const tls = chrSourceFor(dev)?.tls ?? dev.sources?.[0]?.tls;
  if (tls !== undefined) return tls === 'yes';
  return configFlag(ctx, 'chardevTLS');
}

/** `,reconnect=N` of a client socket (`reconnect=0` turns QEMU's reconnecting off). */
function reconnectOpt(src: ChrSource | undefined): string {
  const r = src?.reconnect;
  if (!r) return '';
  if (r.enabled === 'yes') return `,reconnect=${r.timeout ?? 0}`;
  return ',reconnect=0';
}

/**
 * The `tls-creds-x509` object of a TLS endpoint, after its password secret when qemu.conf names
 * one. `listen` picks the endpoint; clients always verify the server.
 */
export function addTlsCredsObject(
  cmd: QemuCommandLine,
  ctx: ArgvContext,
  opts: { id: string; dir: string; listen: boolean; verify: boolean; secretId?: string; secretUuid?: string },
): void {
  if (opts.secretId && opts.secretUuid) {
    cmd.addJson('-object', secretObjectProps(ctx, opts.secretId, lookupSecret(ctx, { uuid: opts.secretUuid })));
  }
  const props: Record<string, unknown> = {
    'qom-type': 'tls-creds-x509',
    id: opts.id,
    dir: opts.dir,
    endpoint: opts.listen ? 'server' : 'client',
    'verify-peer': opts.listen ? opts.verify : true,
  };
  if (opts.secretId && opts.secretUuid) props.passwordid = opts.secretId;
  cmd.addJson('-object', props);
}

/**
 * Appends `-chardev` (and its `-add-fd`/TLS objects) for the host side of `dev` under id
 * `charId`. Throws libvirt's error for backends QEMU has no chardev for.
 */
export function addChardev(cmd: QemuCommandLine, dev: ChrBacked, charId: string, ctx: ArgvContext, state: ArgvState, use: ChardevUse): void {
  const type = dev.type ?? 'pty';
  const src = dev.sources?.[0];
  const passFds = use.passFds !== false && ctx.fdPassing === 'test-fds';
  let opts: string;
  switch (type) {
    case 'null':
    case 'vc':
    case 'pty':
    case 'stdio':
      opts = `${type},id=${charId}`;
      break;
    case 'dev':
      opts = `${use.hostDevice ?? 'serial'},id=${charId},path=${qemuOptEscape(src?.path ?? '')}`;
      break;
    case 'file': {
      let path = src?.path ?? '';
      let append = src?.append;
      if (passFds) {
        path = addFdSet(cmd, state, TEST_FD.sourceFile, `${use.deviceAlias}-source`);
        append = 'on';
      }
      opts = `file,id=${charId},path=${qemuOptEscape(path)}`;
      if (append !== undefined) opts += `,append=${append}`;
      break;
    }
    case 'pipe':
      opts = `pipe,id=${charId},path=${qemuOptEscape(src?.path ?? '')}`;
      break;
    case 'udp': {
      const connect = chrSourceFor(dev, 'connect');
      const bind = chrSourceFor(dev, 'bind');
      opts = `udp,id=${charId},host=${connect?.host ?? ''},port=${connect?.service ?? ''},localaddr=${bind?.host ?? ''},localport=${bind?.service ?? '0'}`;
      break;
    }
    case 'tcp': {
      const listen = src?.mode === 'bind';
      opts = `socket,id=${charId},host=${src?.host ?? ''},port=${src?.service ?? ''}`;
      if (dev.protocol?.type === 'telnet') opts += ',telnet=on';
      if (listen) opts += use.wait ? ',server=on' : ',server=on,wait=off';
      opts += reconnectOpt(src);
      if (chardevUsesTls(dev, ctx, use)) {
        const tlsId = `obj${charId}_tls0`;
        const secretUuid = configString(ctx, 'chardevTLSx509secretUUID');
        addTlsCredsObject(cmd, ctx, {
          id: tlsId,
          dir: configString(ctx, 'chardevTLSx509certdir') ?? '/etc/pki/libvirt-chardev',
          listen,
          verify: configFlag(ctx, 'chardevTLSx509verify'),
          secretId: secretUuid ? `${charId}-secret0` : undefined,
          secretUuid,
        });
        opts += `,tls-creds=${tlsId}`;
      }
      break;
    }
    case 'unix': {
      const listen = src?.mode === 'bind';
      opts = `socket,id=${charId}`;
      if (listen && passFds) opts += `,fd=${TEST_FD.listenSocket}`;
      else opts += `,path=${qemuOptEscape(src?.path ?? '')}`;
      if (listen) opts += use.wait ? ',server=on' : ',server=on,wait=off';
      opts += reconnectOpt(src);
      break;
    }
    case 'spicevmc':
      opts = `spicevmc,id=${charId},name=${use.spicevmc ?? 'vdagent'}`;
      break;
    case 'spiceport':
      opts = `spiceport,id=${charId},name=${src?.channel ?? ''}`;
      break;
    case 'qemu-vdagent': {
      opts = `qemu-vdagent,id=${charId},name=vdagent`;
      const clip = src?.clipboard?.copypaste;
      if (clip !== undefined) opts += `,clipboard=${clip === 'yes' ? 'on' : 'off'}`;
      const mouse = src?.mouse?.mode;
      if (mouse !== undefined) opts += `,mouse=${mouse === 'client' ? 'on' : 'off'}`;
      break;
    }
    case 'dbus':
      opts = `dbus,id=${charId},name=${src?.channel ?? ''}`;
      break;
    default:
      throw unsupported(`unsupported chardev '${type}'`);
  }
  if (dev.log) {
    if (passFds) {
      const path = addFdSet(cmd, state, TEST_FD.logFile, `${use.deviceAlias}-log`);
      opts += `,logfile=${path},logappend=on`;
    } else {
      opts += `,logfile=${qemuOptEscape(dev.log.file)}`;
      if (dev.log.append !== undefined) opts += `,logappend=${dev.log.append}`;
    }
  }
  cmd.add('-chardev', opts);
}
