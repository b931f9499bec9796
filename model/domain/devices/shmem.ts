/**
 * `<shmem>`: an ivshmem shared-memory device, shared between guests (and host processes)
 * by name.
 *
 *   <shmem name='shmem0' role='peer'>
 *     <model type='ivshmem-doorbell'/>
 *     <size unit='M'>4</size>
 *     <server path='/tmp/shmem0-sock'/>
 *     <msi vectors='32' ioeventfd='on'/>
 *   </shmem>
 *
 * The size is stored in MiB and printed as libvirt prints it: `<size unit='M'>`.
 */
import { Type, type TInteger } from '@sinclair/typebox';
import * as X from '../../schema';
import type { Static } from '@sinclair/typebox';
import type { ModelIssue } from '../../errors';
import { deviceInfo } from './device-info';
import { deviceIssue } from './device-issue';

const MiB = 1024 * 1024;
const bytes = X.scaled({ canonical: 'bytes', defaultUnit: 'bytes' });

/** `<size unit='M'>4</size>` ⇄ 4 (MiB). Any unit is accepted; libvirt keeps whole MiB. */
export const shmemSize: X.ElementCodec<TInteger> = {
  schema: Type.Integer({ minimum: 0, description: 'size in MiB' }),
  describe: 'a size in MiB',
  parse(el, ctx) {
    return Math.floor(bytes.parse(el, ctx) / MiB);
  },
  write(w, name, v) {
    w.text(name, v, [['unit', 'M']]);
  },
};

export const ShmemModel = X.element({ type: X.reqAttr(X.enumOf('ivshmem', 'ivshmem-plain', 'ivshmem-doorbell')) });

/** ivshmem-doorbell: the ivshmem server socket (libvirt picks one under its run dir when absent). */
export const ShmemServer = X.element({ path: X.attr(X.str()) });

export const ShmemMsi = X.element({
  vectors: X.attr(X.uint()),
  ioeventfd: X.attr(X.onOff()),
});

const { alias, acpi, address } = deviceInfo();

export const Shmem = X.element({
  /** The shared memory object's name (/dev/shm/<name>); no '/'. */
  name: X.reqAttr(X.str()),
  /** Migration role: the `master` keeps its memory across migration, `peer`s do not. */
  role: X.attr(X.enumOf('master', 'peer')),
  model: X.child(ShmemModel),
  size: X.childValue(shmemSize),
  server: X.child(ShmemServer),
  msi: X.child(ShmemMsi),
  alias,
  acpi,
  address,
});
export type Shmem = Static<typeof Shmem>;

/** libvirt's rules for every hypervisor (messages as libvirt words them). */
export function validateShmem(shmem: Shmem, label?: string): ModelIssue[] {
  const at = (problem: string) => [deviceIssue(shmem, problem, { prop: 'name', xmlName: '@name', label, fix: 'choose a plain file name' })];
  if (shmem.name.includes('/')) return at("shmem name cannot include '/' character");
  if (shmem.name === '.') return at("shmem name cannot be equal to '.'");
  if (shmem.name === '..') return at("shmem name cannot be equal to '..'");
  return [];
}
