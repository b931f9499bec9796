/**
 * What each attribute change takes to carry out, per resource kind, from a table of rules on
 * the change's path (first match wins):
 *
 * - `definition`: only the stored definition changes (title, metadata); nothing restarts;
 * - `live`: applied to the running instance (balloon, re-pin, hot-plug, volume grow...);
 * - `restart`: the definition changes and the running instance is restarted to take it;
 * - `replace`: the resource is deleted and created again (a new UUID; a volume shrunk or
 *   converted, which loses its data).
 *
 * A live change the executor cannot do (its LiveUpdateKind is not in `liveUpdates`) falls back
 * to the kind's fallback (restart for domains and networks, replace for pools and volumes), and
 * the note says so. The effects feed decideAction; the notes are for display only.
 */
import type { AttributeChange } from './attribute-diff';
import type { ResourceKind } from './resource-address';
import { isSensitivePath } from './sensitive-values';

export type ChangeEffect = 'definition' | 'live' | 'restart' | 'replace';

/** Severity order: a resource's action follows its most severe change. */
export const EFFECT_ORDER: readonly ChangeEffect[] = ['definition', 'live', 'restart', 'replace'];

/** The kinds of change an executor may be able to make to a running instance. */
export const LIVE_UPDATE_KINDS = ['balloon', 'vcpu-count', 'pins', 'disk-hotplug', 'nic-hotplug', 'dhcp-host', 'volume-resize', 'permissions'] as const;
export type LiveUpdateKind = (typeof LIVE_UPDATE_KINDS)[number];

export interface ClassifiedChange extends AttributeChange {
  readonly effect: ChangeEffect;
  /** Set when the change is (or would have been) made live. */
  readonly liveKind?: LiveUpdateKind;
  /** Why it has this effect, for display: `balloon target`, `forces replacement: the UUID identifies the domain`. */
  readonly note: string;
  /** The values are secrets: shown and stored as SENSITIVE_PLACEHOLDER. */
  readonly sensitive: boolean;
}

interface EffectRule {
  readonly test: (c: AttributeChange) => boolean;
  readonly effect: ChangeEffect;
  readonly live?: LiveUpdateKind;
  readonly note: string | ((c: AttributeChange) => string);
}

const at = (re: RegExp) => (c: AttributeChange): boolean => re.test(c.path);
/** The change adds or removes a whole element matching `re` (hot-plug of a device). */
const wholeElement = (re: RegExp) => (c: AttributeChange): boolean => c.element !== undefined && re.test(c.element);
const num = (v: string | undefined): number | undefined => (v === undefined || !/^[0-9]+$/.test(v) ? undefined : Number(v));

const DOMAIN_RULES: readonly EffectRule[] = [
  { test: at(/^\/domain\/uuid$/), effect: 'replace', note: 'forces replacement: the UUID identifies the domain' },
  { test: at(/^\/domain\/(title|description)$/), effect: 'definition', note: 'metadata only' },
  { test: at(/^\/domain\/metadata(\/|$)/), effect: 'definition', note: 'metadata only' },
  { test: at(/^\/domain\/currentMemory(\/@unit)?$/), effect: 'live', live: 'balloon', note: 'balloon target, set live' },
  { test: at(/^\/domain\/vcpu\/@current$/), effect: 'live', live: 'vcpu-count', note: 'vCPUs plugged or unplugged live' },
  { test: at(/^\/domain\/cputune\/(vcpupin|emulatorpin|iothreadpin)(\[[^\]]*\])*(\/@[a-z]+)?$/), effect: 'live', live: 'pins', note: 'threads re-pinned live' },
  { test: wholeElement(/^\/domain\/devices\/disk(\[[^\]]*\])*$/), effect: 'live', live: 'disk-hotplug', note: 'disk hot-plugged live' },
  { test: wholeElement(/^\/domain\/devices\/interface(\[[^\]]*\])*$/), effect: 'live', live: 'nic-hotplug', note: 'interface hot-plugged live' },
  { test: at(/^runtime\.state$/), effect: 'restart', note: 'the domain is not running: apply starts it' },
  { test: at(/^runtime\.definition$/), effect: 'restart', note: 'QEMU runs an older definition: apply restarts it' },
  { test: at(/^runtime\.affinity\[/), effect: 'live', live: 'pins', note: 'affinity drifted from the plan: re-pinned live' },
];

const NETWORK_RULES: readonly EffectRule[] = [
  { test: at(/^\/network\/uuid$/), effect: 'replace', note: 'forces replacement: the UUID identifies the network' },
  { test: at(/^\/network\/metadata(\/|$)/), effect: 'definition', note: 'metadata only' },
  { test: wholeElement(/^\/network\/ip(\[[^\]]*\])*\/dhcp\/host(\[[^\]]*\])*$/), effect: 'live', live: 'dhcp-host', note: 'DHCP host entry updated live' },
  { test: at(/^runtime\.state$/), effect: 'restart', note: 'the network is not active: apply starts it' },
  { test: at(/^runtime\.definition$/), effect: 'restart', note: 'the network runs an older definition: apply restarts it' },
];

const POOL_RULES: readonly EffectRule[] = [
  { test: at(/^\/pool\/uuid$/), effect: 'replace', note: 'forces replacement: the UUID identifies the pool' },
  { test: at(/^\/pool\/(capacity|allocation|available)(\/@unit)?$/), effect: 'definition', note: 'measured by the host, not set' },
  { test: at(/^\/pool\/target\/permissions\//), effect: 'live', live: 'permissions', note: "directory's owner and mode changed in place" },
];

const VOLUME_RULES: readonly EffectRule[] = [
  {
    test: (c) => c.path === '/volume/capacity' && (num(c.after) ?? 0) > (num(c.before) ?? Infinity),
    effect: 'live',
    live: 'volume-resize',
    note: 'grown in place',
  },
  {
    test: (c) => c.path === '/volume/capacity',
    effect: 'replace',
    note: (c) => `forces replacement: shrinking from ${c.before} to ${c.after} bytes would cut the image; it is deleted with its data and created again`,
  },
  { test: at(/^\/volume\/(allocation|key)(\/@unit)?$/), effect: 'definition', note: 'applies when an image is created' },
  { test: at(/^\/volume\/target\/permissions\//), effect: 'live', live: 'permissions', note: "image's owner and mode changed in place" },
];

const RULES: Readonly<Record<ResourceKind, readonly EffectRule[]>> = {
  domain: DOMAIN_RULES,
  network: NETWORK_RULES,
  pool: POOL_RULES,
  volume: VOLUME_RULES,
};

/** What a change no rule matches takes: a restart for what runs, a new resource for storage. */
const FALLBACK: Readonly<Record<ResourceKind, { effect: ChangeEffect; note: string }>> = {
  domain: { effect: 'restart', note: 'needs a restart of the domain' },
  network: { effect: 'restart', note: 'needs a restart of the network (its bridge and dnsmasq)' },
  pool: { effect: 'replace', note: 'forces replacement' },
  volume: { effect: 'replace', note: 'forces replacement: the image is deleted with its data and created again' },
};

/** Classifies one change of a `kind` resource; `liveUpdates` is what the executor can do live. */
export function classifyChange(kind: ResourceKind, c: AttributeChange, liveUpdates: ReadonlySet<LiveUpdateKind>): ClassifiedChange {
  const sensitive = isSensitivePath(c.path);
  for (const r of RULES[kind]) {
    if (!r.test(c)) continue;
    const note = typeof r.note === 'function' ? r.note(c) : r.note;
    if (r.effect === 'live' && r.live && !liveUpdates.has(r.live)) {
      const fb = FALLBACK[kind];
      return { ...c, effect: fb.effect, liveKind: r.live, note: `${fb.note} (virtform cannot make this change live yet: ${r.live})`, sensitive };
    }
    return { ...c, effect: r.effect, ...(r.live ? { liveKind: r.live } : {}), note, sensitive };
  }
  const fb = FALLBACK[kind];
  return { ...c, effect: fb.effect, note: fb.note, sensitive };
}

/** The most severe effect of a list, or undefined for no changes. */
export function strongestEffect(changes: readonly { readonly effect: ChangeEffect }[]): ChangeEffect | undefined {
  let best = -1;
  for (const c of changes) best = Math.max(best, EFFECT_ORDER.indexOf(c.effect));
  return best < 0 ? undefined : EFFECT_ORDER[best];
}
