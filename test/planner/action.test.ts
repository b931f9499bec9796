/**
 * decideAction: the one function that picks an action, over every combination of desired,
 * live presence and strongest change effect.
 */
import { decideAction, type LivePresence } from '../../planner/action';
import type { ChangeEffect } from '../../planner/change-effect';

describe('decideAction', () => {
  it.each<[boolean, LivePresence, ChangeEffect[], boolean, object]>([
    [true, 'absent', [], false, { action: 'create', reason: 'not-on-host' }],
    [true, 'absent', ['replace'], false, { action: 'create', reason: 'not-on-host' }],
    [true, 'incomplete', [], false, { action: 'create', reason: 'incomplete-on-host' }],
    [true, 'present', [], false, { action: 'no-op', reason: 'unchanged' }],
    [true, 'present', ['definition'], false, { action: 'update', mode: 'live', reason: 'changed' }],
    [true, 'present', ['live', 'definition'], false, { action: 'update', mode: 'live', reason: 'changed' }],
    [true, 'present', ['live', 'restart'], false, { action: 'update', mode: 'restart', reason: 'changed' }],
    [true, 'present', ['restart', 'replace', 'live'], false, { action: 'delete-then-create', reason: 'changed' }],
    [false, 'present', [], false, { action: 'delete', reason: 'not-desired' }],
    [false, 'incomplete', [], false, { action: 'delete', reason: 'not-desired' }],
    [false, 'present', [], true, { action: 'delete', reason: 'destroy' }],
    [false, 'absent', [], false, { action: 'no-op', reason: 'unchanged' }],
  ])('desired=%s live=%s effects=%j destroying=%s → %j', (desired, live, effects, destroying, decision) => {
    expect(decideAction(desired, live, effects.map((effect) => ({ effect })), destroying)).toEqual(decision);
  });
});
