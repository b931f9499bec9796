/**
 * The QEMU probe host on this machine (provider/qemu/local-argv-host.ts, the local transport)
 * with a record of the commands it ran, so tests can check what a probe did.
 */
import type { QemuProbeHost } from '../../provider/qemu/caps/binary-probe';
import { localProbeHost as local } from '../../provider/qemu/local-argv-host';

export function localProbeHost(): QemuProbeHost & { readonly commands: string[][] } {
  const host = local();
  const commands: string[][] = [];
  return {
    hostLabel: host.hostLabel,
    commands,
    exec(argv, opts) {
      commands.push([...argv]);
      return host.exec(argv, opts);
    },
    connectUnix: (p) => host.connectUnix(p),
  };
}
