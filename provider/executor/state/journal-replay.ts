/**
 * Reading an apply journal back (pure). A journal is JSON lines, appended one at a time:
 *
 *   {"t":"begin","applyId":...,"stack":...,"planHash":...,"command":...,"by":{...},"at":...}
 *   {"t":"step","id":"create-volume:disk0","state":"started","action":...,"resource":...,"undo":...,"at":...}
 *   {"t":"step","id":"create-volume:disk0","state":"done","result":...,"at":...}
 *   {"t":"step","id":"define-domain:web","state":"failed","error":"...","at":...}
 *   {"t":"end","outcome":"applied","at":...}
 *
 * Invariants:
 * - A step's state is its last line: started → done | failed. A step that is `started` with no
 *   later line was in flight when the apply stopped: its effect on the host is unknown, so the
 *   apply engine must check the host (or undo it) before going on.
 * - `undo` is what the engine recorded to reverse the step; the last non-empty `undo` given
 *   for a step wins (a `done` line may refine it, e.g. with a created UUID).
 * - A last line cut short by a crash is reported as `torn` and otherwise ignored; any other
 *   unreadable line makes the whole journal CORRUPT, since skipping a step could lose an undo.
 */
import type { Actor } from './ownership-record';
import type { ResourceRef } from './resource-ref';
import { StateError } from './state-error';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export type StepState = 'started' | 'done' | 'failed';
export type ApplyOutcome = 'applied' | 'rolled-back' | 'failed' | 'abandoned';

export interface JournalBegin {
  readonly t: 'begin';
  readonly applyId: string;
  readonly stack: string;
  readonly planHash?: string;
  readonly command: string;
  readonly by: Actor;
  readonly at: string;
}

export interface JournalStepLine {
  readonly t: 'step';
  readonly id: string;
  readonly state: StepState;
  readonly action?: string;
  readonly resource?: ResourceRef;
  readonly undo?: JsonValue;
  readonly result?: JsonValue;
  readonly error?: string;
  readonly at: string;
}

export interface JournalEnd {
  readonly t: 'end';
  readonly outcome: ApplyOutcome;
  readonly at: string;
}

export type JournalLine = JournalBegin | JournalStepLine | JournalEnd;

/** One step as the journal last saw it. */
export interface StepStatus {
  readonly id: string;
  readonly state: StepState;
  readonly action?: string;
  readonly resource?: ResourceRef;
  readonly undo?: JsonValue;
  readonly result?: JsonValue;
  readonly error?: string;
  readonly startedAt: string;
  readonly endedAt?: string;
}

export interface ApplyRecord {
  readonly begin: JournalBegin;
  /** Steps in the order they were first started. */
  readonly steps: readonly StepStatus[];
  /** Set when the apply finished; undefined for an interrupted apply. */
  readonly outcome?: ApplyOutcome;
  /** The last line was cut short (the apply stopped mid-write). */
  readonly torn: boolean;
}

/** Steps that were started but never reported done or failed. */
export function inFlightSteps(a: ApplyRecord): StepStatus[] {
  return a.steps.filter((s) => s.state === 'started');
}

/**
 * Steps a rollback must consider, last first: every step that is done, and every step still
 * in flight (its effect is unknown; its undo must tolerate "never happened"). Failed steps are
 * included when they carry an undo (a failure may have left something behind).
 */
export function undoOrder(a: ApplyRecord): StepStatus[] {
  return a.steps.filter((s) => s.state !== 'failed' || s.undo !== undefined).reverse();
}

/** Ids of the steps that completed; a resumed apply skips them. */
export function doneStepIds(a: ApplyRecord): Set<string> {
  return new Set(a.steps.filter((s) => s.state === 'done').map((s) => s.id));
}

/** Parses a journal's text. `file` names it in errors. */
export function replayJournal(text: string, file: string): ApplyRecord {
  const lines = text.split('\n');
  // Without a final newline, the last line may have been cut short by a crash.
  const mayBeTorn = !text.endsWith('\n');
  let torn = false;
  const parsed: JournalLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l === '') continue;
    let v: JournalLine;
    try {
      v = JSON.parse(l) as JournalLine;
    } catch {
      if (mayBeTorn && i === lines.length - 1) {
        torn = true;
        continue;
      }
      throw new StateError('CORRUPT', `journal ${file} line ${i + 1} is not JSON: ${JSON.stringify(l.slice(0, 80))}. Keep the file for inspection; virtform cannot tell which steps it recorded.`);
    }
    parsed.push(v);
  }
  const begin = parsed[0];
  if (!begin || begin.t !== 'begin') throw new StateError('CORRUPT', `journal ${file} does not start with a begin line. Keep the file for inspection.`);
  const steps = new Map<string, StepStatus>();
  let outcome: ApplyOutcome | undefined;
  for (const l of parsed.slice(1)) {
    if (l.t === 'end') {
      outcome = l.outcome;
      continue;
    }
    if (l.t !== 'step' || typeof l.id !== 'string') throw new StateError('CORRUPT', `journal ${file} has an unknown line ${JSON.stringify(l).slice(0, 80)}.`);
    const prev = steps.get(l.id);
    const undo = l.undo !== undefined ? l.undo : prev?.undo;
    steps.set(l.id, {
      id: l.id,
      state: l.state,
      ...(l.action ?? prev?.action ? { action: l.action ?? prev?.action } : {}),
      ...(l.resource ?? prev?.resource ? { resource: l.resource ?? prev?.resource } : {}),
      ...(undo !== undefined ? { undo } : {}),
      ...(l.result !== undefined ? { result: l.result } : {}),
      ...(l.error !== undefined ? { error: l.error } : {}),
      startedAt: l.state === 'started' ? l.at : (prev?.startedAt ?? l.at),
      ...(l.state !== 'started' ? { endedAt: l.at } : {}),
    });
  }
  return { begin, steps: [...steps.values()], ...(outcome ? { outcome } : {}), torn };
}
