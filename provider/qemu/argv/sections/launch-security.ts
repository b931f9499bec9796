/**
 * Launch security objects (`-object sev-guest` / `s390-pv-guest`, id `lsec0`, named by
 * `-machine confidential-guest-support=`). SEV's DH certificate and session blob are passed as
 * files in the domain's private dir (`dh_cert.base64`, `session.base64`), which the executor
 * writes before starting QEMU.
 *
 * Owner: argv-core engineer.
 */
import type { Domain } from '../../../../model/domain/domain';
import type { QemuCommandLine } from '../command-line';
import type { ArgvContext } from '../context';
import type { ArgvState } from '../build';

export const LAUNCH_SECURITY_ID = 'lsec0';

/** Files the executor must write in the domain's private dir before launch (name → content). */
export function launchSecurityFiles(def: Domain): Record<string, string> {
  const ls = def.launchSecurity;
  const out: Record<string, string> = {};
  if (ls?.type === 'sev') {
    if (ls.dhCert !== undefined) out['dh_cert.base64'] = ls.dhCert;
    if (ls.session !== undefined) out['session.base64'] = ls.session;
  }
  return out;
}

export function buildLaunchSecurity(cmd: QemuCommandLine, def: Domain, ctx: ArgvContext, _state: ArgvState): void {
  const ls = def.launchSecurity;
  if (!ls) return;
  if (ls.type === 's390-pv') {
    cmd.addJson('-object', { 'qom-type': 's390-pv-guest', id: LAUNCH_SECURITY_ID });
    return;
  }
  const dir = ctx.paths.domainLibDir;
  const props: Record<string, unknown> = { 'qom-type': 'sev-guest', id: LAUNCH_SECURITY_ID };
  if (ls.cbitpos !== undefined) props.cbitpos = ls.cbitpos;
  if (ls.reducedPhysBits !== undefined) props['reduced-phys-bits'] = ls.reducedPhysBits;
  if (ls.policy !== undefined) props.policy = ls.policy;
  if (ls.dhCert !== undefined) props['dh-cert-file'] = `${dir}/dh_cert.base64`;
  if (ls.session !== undefined) props['session-file'] = `${dir}/session.base64`;
  if (ls.kernelHashes !== undefined) props['kernel-hashes'] = ls.kernelHashes === 'yes';
  cmd.addJson('-object', props);
}
