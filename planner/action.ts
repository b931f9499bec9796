/**
 * The closed set of actions a plan can take on one resource, and the one small pure function
 * that chooses it. Everything apply does is described by the action (and the desired
 * document); the reason is kept for display only and never drives apply.
 *
 *   no-op               nothing to do
 *   create              the resource does not exist (or an earlier apply stopped half-way)
 *   update              changed in place: `live` (definition and/or running instance changed
 *                       without a restart) or `restart` (the running instance is restarted, or
 *                       started when it does not run)
 *   delete-then-create  replaced: some change cannot be made in place
 *   delete              in the host's state for this stack but no longer desired (orphan pass)
 */
import { strongestEffect, type ChangeEffect } from './change-effect';

export const ACTIONS = ['no-op', 'create', 'update', 'delete-then-create', 'delete'] as const;
export type Action = (typeof ACTIONS)[number];

export type UpdateMode = 'live' | 'restart';

/** What the live side has: nothing, an ownership record without a definition (half-made), or a definition. */
export type LivePresence = 'absent' | 'incomplete' | 'present';

/** Why an action was chosen (display only). */
export type ActionReason =
  | 'not-on-host' // create: nothing of that name exists
  | 'incomplete-on-host' // create: an earlier apply recorded it and stopped before defining it
  | 'changed' // update / delete-then-create: see the attribute changes
  | 'not-desired' // delete: owned by the stack, no longer in its documents
  | 'destroy' // delete: `virtform destroy`
  | 'unchanged';

export interface Decision {
  readonly action: Action;
  /** Set for `update` only. */
  readonly mode?: UpdateMode;
  readonly reason: ActionReason;
}

/**
 * Chooses the action for one resource from whether it is desired, what the host has, and the
 * effects of its changes (attribute changes, runtime changes and dependency changes, already
 * classified). `destroying` marks deletes asked for by `virtform destroy`.
 */
export function decideAction(
  desired: boolean,
  live: LivePresence,
  effects: readonly { readonly effect: ChangeEffect }[],
  destroying = false,
): Decision {
  if (!desired) {
    if (live === 'absent') return { action: 'no-op', reason: 'unchanged' };
    return { action: 'delete', reason: destroying ? 'destroy' : 'not-desired' };
  }
  if (live === 'absent') return { action: 'create', reason: 'not-on-host' };
  if (live === 'incomplete') return { action: 'create', reason: 'incomplete-on-host' };
  switch (strongestEffect(effects)) {
    case undefined:
      return { action: 'no-op', reason: 'unchanged' };
    case 'replace':
      return { action: 'delete-then-create', reason: 'changed' };
    case 'restart':
      return { action: 'update', mode: 'restart', reason: 'changed' };
    case 'live':
    case 'definition':
      return { action: 'update', mode: 'live', reason: 'changed' };
  }
}
