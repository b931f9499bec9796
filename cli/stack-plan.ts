/**
 * What plan, apply and destroy share: which stack and desired state the options name, and a
 * plan made against a session's host.
 */
import { makePlan } from '../planner/make-plan';
import type { Plan } from '../planner/plan';
import type { DesiredState } from '../planner/desired-state';
import { nameProblem } from '../planner/preflight/name-rules';
import { loadXmlStack } from '../planner/xml-stack';
import { NO_STACK_INPUTS, type StackInputs } from '../provider/executor/apply/volume-import';
import type { ApplySession } from './apply-session';
import { VirtformError } from './errors';
import { readStackInputs } from './stack-inputs';
import { readXmlStackFiles } from './xml-stack-files';

export interface StackOptions {
  readonly connect?: string;
  readonly xml?: string;
  readonly stack?: string;
  readonly target?: readonly string[];
}

export interface StackSource {
  readonly stack: string;
  readonly desired: DesiredState;
  /** Volume imports and cloud-init seeds of a stack folder (cli/stack-inputs.ts). */
  readonly inputs: StackInputs;
}

/**
 * The stack name and desired state. `--xml` is needed to plan or apply; destroy can work from
 * `--stack` alone (it deletes what the stack owns).
 */
export function resolveStack(opts: StackOptions, verb: 'plan' | 'apply' | 'destroy'): StackSource {
  let desired: DesiredState = { resources: [] };
  let inputs = NO_STACK_INPUTS;
  let stack = opts.stack;
  if (opts.xml !== undefined) {
    const files = readXmlStackFiles(opts.xml);
    if (verb !== 'destroy') {
      desired = loadXmlStack(files.files, files.single);
      if (!files.single) ({ desired, inputs } = readStackInputs(opts.xml, desired));
    }
    stack ??= files.defaultStack;
  } else if (verb !== 'destroy' || stack === undefined) {
    throw new VirtformError(
      verb === 'destroy'
        ? 'destroy needs the stack: give --stack NAME, or --xml PATH to name it after the documents'
        : `${verb} needs the desired state: give --xml PATH (a libvirt XML file or a folder of them, see docs/xml-stacks.md)`,
    );
  }
  const problem = nameProblem(stack!);
  if (problem) throw new VirtformError(`stack name ${JSON.stringify(stack)} cannot be used: ${problem}; give --stack NAME with letters, digits, dashes and underscores`);
  return { stack: stack!, desired, inputs };
}

/** Pools whose volumes the reader must list: those the documents name. */
export function poolsOf(desired: DesiredState): string[] {
  const out = new Set<string>();
  for (const r of desired.resources) {
    if (r.document.kind === 'pool') out.add(r.address.name);
    if (r.document.kind === 'volume') out.add(r.document.pool);
  }
  return [...out].sort();
}

/** Reads the host and plans the stack on it. Throws PlanError (every problem found). */
export async function planOnHost(session: ApplySession, src: StackSource, opts: { readonly destroy?: boolean; readonly targets?: readonly string[] } = {}): Promise<Plan> {
  const live = await session.reader.read(poolsOf(src.desired));
  return makePlan({
    stack: src.stack,
    host: session.hostLabel,
    desired: src.desired,
    live,
    facts: session.facts,
    destroy: opts.destroy === true,
    targets: opts.targets ?? [],
    liveUpdates: session.executor.liveUpdates,
  });
}
