/**
 * The human form of a plan, Terraform's layout in virtform's words:
 *
 *   virtform will perform the following actions on host h1 (stack 'web'):
 *
 *     # domain.web1 will be updated in-place
 *     ~ domain "web1" {
 *         ~ /domain/currentMemory = "524288" -> "1048576" # balloon target, set live
 *       }
 *
 *   Plan: 0 to add, 1 to change, 0 to destroy.
 *
 * Rendering never decides anything and never sees a secret (plan attributes are masked).
 * Output is a pure function of the plan: the same plan prints the same bytes.
 */
import type { Plan, PlannedAttribute, ResourceChange } from './plan';
import { planSummary, hasChanges } from './plan';
import { formatPlanIssue } from './plan-issue';
import { SENSITIVE_PLACEHOLDER } from './sensitive-values';

const SYMBOL: Readonly<Record<string, string>> = {
  create: '  +',
  update: '  ~',
  'delete-then-create': '-/+',
  delete: '  -',
};

const LEGEND: readonly [string, string][] = [
  ['create', '  + create'],
  ['update', '  ~ update in-place'],
  ['delete', '  - destroy'],
  ['delete-then-create', '-/+ destroy and then create replacement'],
];

function headline(c: ResourceChange): string {
  switch (c.action) {
    case 'create':
      return `# ${c.address} will be created`;
    case 'update':
      if (c.mode === 'restart') return `# ${c.address} will be updated in-place and ${c.liveState && !['shutoff', 'inactive'].includes(c.liveState) ? 'restarted' : 'started'}`;
      return `# ${c.address} will be updated in-place`;
    case 'delete-then-create':
      return `# ${c.address} must be replaced`;
    case 'delete':
      return `# ${c.address} will be destroyed`;
    default:
      return `# ${c.address} is unchanged`;
  }
}

function because(c: ResourceChange): string[] {
  const out: string[] = [];
  if (c.reason === 'not-desired') out.push(`# (because the stack no longer declares ${c.address})`);
  if (c.reason === 'incomplete-on-host') out.push('# (an earlier apply recorded it and stopped before making it: apply finishes it)');
  if (c.destroysData) out.push('# (its image and all data in it are deleted)');
  return out;
}

function value(v: string, sensitive: boolean): string {
  return sensitive || v === SENSITIVE_PLACEHOLDER ? SENSITIVE_PLACEHOLDER : JSON.stringify(v);
}

function attributeLine(a: PlannedAttribute, width: number, showNote: boolean): string {
  let text: string;
  if (a.path.startsWith('dependency[')) {
    text = `~ ${a.path}`;
  } else {
    const sym = a.before === undefined ? '+' : a.after === undefined ? '-' : '~';
    // An empty element (`<acpi/>`) has no value: its presence is the change.
    const flag = !a.sensitive && (a.before ?? '') === '' && (a.after ?? '') === '';
    const path = a.path.padEnd(width);
    if (flag) text = `${sym} ${a.path}`;
    else if (sym === '+') text = `${sym} ${path} = ${value(a.after!, a.sensitive)}`;
    else if (sym === '-') text = `${sym} ${path} = ${value(a.before!, a.sensitive)}`;
    else text = `${sym} ${path} = ${a.sensitive ? `${SENSITIVE_PLACEHOLDER} (changed)` : `${value(a.before!, false)} -> ${value(a.after!, false)}`}`;
  }
  return showNote && a.note ? `${text} # ${a.note}` : text;
}

function block(c: ResourceChange): string[] {
  const lines = [`  ${headline(c)}`, ...because(c).map((l) => `  ${l}`)];
  const label = c.kind === 'volume' ? `${c.pool}/${c.name}` : c.name;
  lines.push(`${SYMBOL[c.action]} ${c.kind} ${JSON.stringify(label)} {`);
  const width = Math.max(0, ...c.attributes.map((a) => a.path.length));
  const showNote = c.action === 'update' || c.action === 'delete-then-create';
  for (const a of c.attributes) lines.push(`      ${attributeLine(a, width, showNote)}`);
  lines.push('    }');
  return lines;
}

/** The whole plan as text, ending with a newline. */
export function renderPlanText(plan: Plan): string {
  const out: string[] = [];
  const changes = plan.changes.filter((c) => c.action !== 'no-op');
  if (!hasChanges(plan)) {
    out.push(`No changes. Host ${plan.host} matches the desired state of stack '${plan.stack}'.`);
  } else {
    const used = new Set(changes.map((c) => c.action));
    out.push('Resource actions are indicated with the following symbols:');
    for (const [action, line] of LEGEND) if (used.has(action as ResourceChange['action'])) out.push(line);
    out.push('');
    out.push(`virtform will perform the following actions on host ${plan.host} (stack '${plan.stack}'):`);
    for (const c of changes) {
      out.push('');
      out.push(...block(c));
    }
    out.push('');
    const s = planSummary(plan);
    out.push(`Plan: ${s.add} to add, ${s.change} to change, ${s.destroy} to destroy.`);
  }
  for (const w of plan.warnings) {
    out.push('');
    out.push(`Warning: ${formatPlanIssue(w)}`);
  }
  if (plan.targets.length > 0) {
    out.push('');
    out.push(
      `Warning: resource targeting is in effect (--target ${plan.targets.join(', ')}): ` +
        (plan.untargeted > 0
          ? `${plan.untargeted} other change${plan.untargeted === 1 ? ' is' : 's are'} left out of this plan and will not be applied.`
          : 'no other change is left out.'),
    );
  }
  return out.join('\n') + '\n';
}
