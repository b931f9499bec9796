/**
 * `<tpm>`: a Trusted Platform Module, backed by the host TPM (passthrough), a per-guest swtpm
 * (emulator), or an swtpm someone else runs (external, reached over a unix socket).
 *
 *   <tpm model='tpm-tis'>
 *     <backend type='emulator' version='2.0' persistent_state='yes'>
 *       <encryption secret='b4a117f1-8af2-44a4-91b8-7f0d2d4d68a3'/>
 *       <active_pcr_banks>
 *         <sha256/>
 *       </active_pcr_banks>
 *     </backend>
 *   </tpm>
 */
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';

export const TpmModel = X.enumOf('tpm-tis', 'tpm-crb', 'tpm-spapr', 'spapr-tpm-proxy');

/** passthrough: the host TPM character device (default /dev/tpm0). */
export const TpmDevice = X.element({ path: X.attr(X.str()) });

/** external: the swtpm control socket. */
export const TpmSource = X.element({
  type: X.reqAttr(X.enumOf('unix')),
  mode: X.reqAttr(X.enumOf('connect')),
  path: X.reqAttr(X.str()),
});

/** emulator: the libvirt secret (by UUID) whose value encrypts the swtpm state. */
export const TpmEncryption = X.element({ secret: X.reqAttr(X.uuid()) });

/** emulator (TPM 2.0): the PCR banks swtpm activates; printed in this order. */
export const TpmPcrBanks = X.element({
  sha1: X.flag(),
  sha256: X.flag(),
  sha384: X.flag(),
  sha512: X.flag(),
});
export type TpmPcrBanks = Static<typeof TpmPcrBanks>;

export const TpmBackend = X.element({
  type: X.reqAttr(X.enumOf('passthrough', 'emulator', 'external')),
  /** TPM specification version; emulator default depends on the model (2.0 for tpm-crb). */
  version: X.attr(X.enumOf('1.2', '2.0')),
  /** emulator: keep the swtpm state when the domain is undefined. */
  persistentState: X.attr(X.yesNo(), { xml: 'persistent_state' }),
  device: X.child(TpmDevice),
  source: X.child(TpmSource),
  encryption: X.child(TpmEncryption),
  activePcrBanks: X.child(TpmPcrBanks, { xml: 'active_pcr_banks' }),
});
export type TpmBackend = Static<typeof TpmBackend>;

const { alias, address } = deviceInfo();

export const Tpm = X.element(
  {
    /** Defaults per architecture (tpm-tis on x86, tpm-spapr on pSeries). */
    model: X.attr(TpmModel),
    backend: X.reqChild(TpmBackend),
    alias,
    address,
  },
  {
    check(v, el, ctx) {
      if (!v.backend) ctx.fail(el, 'missing TPM device backend', { fix: "add <backend type='emulator' version='2.0'/> (or passthrough/external)" });
    },
  },
);
export type Tpm = Static<typeof Tpm>;

/** Which backend each backend-specific child belongs to. */
const CHILD_BACKEND: ReadonlyArray<[keyof TpmBackend, string, TpmBackend['type']]> = [
  ['device', 'device', 'passthrough'],
  ['source', 'source', 'external'],
  ['encryption', 'encryption', 'emulator'],
  ['activePcrBanks', 'active_pcr_banks', 'emulator'],
  ['persistentState', '@persistent_state', 'emulator'],
];

/** Rules that hold for every hypervisor. */
export function validateTpm(tpm: Tpm, label?: string): ModelIssue[] {
  const issues: ModelIssue[] = [];
  const b = tpm.backend;
  if (!b) return issues;
  for (const [key, xml, owner] of CHILD_BACKEND) {
    if (b[key] !== undefined && b.type !== owner) {
      issues.push(deviceIssue(b, `${xml.startsWith('@') ? `attribute '${xml.slice(1)}'` : `<${xml}>`} applies only to the '${owner}' TPM backend, not '${b.type}'`, {
        prop: key, xmlName: xml, label, fix: `remove it or use <backend type='${owner}'>`,
      }));
    }
  }
  if (b.type === 'external' && !b.source) {
    issues.push(deviceIssue(b, 'missing socket path for external TPM device', { label, fix: "add <source type='unix' mode='connect' path='/path/to/swtpm.sock'/>" }));
  }
  if (b.type === 'emulator' && b.activePcrBanks && b.version !== undefined && b.version !== '2.0') {
    issues.push(deviceIssue(b, "<active_pcr_banks/> requires TPM version '2.0'", {
      prop: 'activePcrBanks', xmlName: 'active_pcr_banks', label, fix: "set version='2.0' or remove <active_pcr_banks>",
    }));
  }
  return issues;
}
