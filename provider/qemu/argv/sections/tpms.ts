/**
 * TPMs: the backend (`-tpmdev`) and the frontend device.
 *
 *   passthrough  -add-fd set=0,fd=1730,opaque=tpm0-tpm -add-fd set=1,fd=1731,opaque=tpm0-cancel
 *                -tpmdev passthrough,id=tpm-tpm0,path=/dev/fdset/0,cancel-path=/dev/fdset/1
 *                (virtform: QEMU opens path=/dev/tpm0,cancel-path=/sys/class/tpm/tpm0/device/cancel)
 *   emulator     -chardev socket,id=chrtpm,path=<swtpm socket> -tpmdev emulator,id=tpm-tpm0,chardev=chrtpm
 *   external     the same, on the socket the domain names
 *   -device {"driver":"tpm-tis","tpmdev":"tpm-tpm0","id":"tpm0"}   (tpm-crb, tpm-spapr, tpm-tis-device on Arm)
 *
 * The pSeries TPM proxy is a device of its own: {"driver":"spapr-tpm-proxy","id":"tpm0","host-path":"/dev/tpmrm0"}.
 *
 * Owner: devices engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { Tpm } from '../../../../model/domain/devices/tpm';
import { qemuOptEscape, type QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';
import { addChardev, addFdSet } from '../chardev-backend';
import { addAddressProps } from '../device-address';
import { addDeviceJson } from '../device-json';

/** The fds libvirt's test harness passes for a host TPM and its cancel file. */
export const TEST_TPM_FD = { tpm: 1730, cancel: 1731 } as const;

/** The host TPM's cancel file in sysfs (what QEMU writes to abort a command). */
export function tpmCancelPath(devPath: string): string {
  const name = devPath.replace(/^.*\//, '');
  return `/sys/class/tpm/${name}/device/cancel`;
}

/** The swtpm control socket of the domain's emulated TPM. */
export function swtpmSocketPath(def: Domain, ctx: ArgvContext): string {
  return ctx.paths.swtpmSocket ?? `${ctx.paths.runDir}/${ctx.domainId}-${def.name.slice(0, 20)}-swtpm.sock`;
}

function tpmModel(def: Domain, tpm: Tpm): string {
  const model = tpm.model ?? (def.os?.type.arch?.startsWith('ppc64') ? 'tpm-spapr' : 'tpm-tis');
  if (model === 'tpm-tis' && def.os?.type.arch === 'aarch64') return 'tpm-tis-device';
  return model;
}

export function buildTpms(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, state: ArgvState): void {
  (def.devices?.tpms ?? []).forEach((tpm, i) => {
    const alias = tpm.alias?.name ?? `tpm${i}`;
    if (tpm.model === 'spapr-tpm-proxy') {
      const hostPath = tpm.backend?.device?.path ?? '/dev/tpmrm0';
      addDeviceJson(cmd, def, { driver: 'spapr-tpm-proxy', id: alias, 'host-path': hostPath });
      return;
    }
    const backend = tpm.backend;
    let tpmdev: string;
    switch (backend?.type) {
      case 'passthrough': {
        const dev = backend.device?.path ?? '/dev/tpm0';
        let path = dev;
        let cancel = tpmCancelPath(dev);
        if (ctx.fdPassing === 'test-fds') {
          path = addFdSet(cmd, state, TEST_TPM_FD.tpm, `${alias}-tpm`);
          cancel = addFdSet(cmd, state, TEST_TPM_FD.cancel, `${alias}-cancel`);
        }
        tpmdev = `passthrough,id=tpm-${alias},path=${qemuOptEscape(path)},cancel-path=${qemuOptEscape(cancel)}`;
        break;
      }
      case 'emulator':
      case 'external': {
        const path = backend.type === 'external' ? backend.source?.path ?? '' : swtpmSocketPath(def, ctx);
        addChardev(cmd, { type: 'unix', sources: [{ mode: 'connect', path }] }, 'chrtpm', ctx, state, { deviceAlias: alias, passFds: false });
        tpmdev = `emulator,id=tpm-${alias},chardev=chrtpm`;
        break;
      }
      default:
        return;
    }
    cmd.add('-tpmdev', tpmdev);
    addDeviceJson(cmd, def, addAddressProps({ driver: tpmModel(def, tpm), tpmdev: `tpm-${alias}`, id: alias }, def, tpm));
  });
}
