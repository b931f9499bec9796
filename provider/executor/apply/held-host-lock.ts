/**
 * The host lock an apply step holds, as the state, storage and network modules need it: the
 * HostLock itself (they check `held` and `assertHeld` before every change). The apply engine
 * passes the lock the command took (cli/apply-session.ts) through each step's context.
 */
import { HostLock } from '../state/host-lock';
import type { WriteLock } from './definition-store';

/** `lock` as a HostLock; throws when a step runs under anything else (a wiring mistake). */
export function heldHostLock(lock: WriteLock, what: string): HostLock {
  if (lock instanceof HostLock) return lock;
  throw new TypeError(`${what} needs the host lock (a HostLock from HostLock.acquire), not a stand-in; run it through openApplySession's lock()`);
}
