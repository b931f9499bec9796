/**
 * Questions about QEMU's introspected QMP schema (`query-qmp-schema`), asked as short paths.
 *
 * The schema is a flat list of entities with opaque type names ("0", "49", ...) that reference each
 * other. A path walks it from a command or event by names a reader knows from the QAPI docs:
 *
 *   `blockdev-add/arg-type/+file/aio/^io_uring`
 *
 * Steps, left to right:
 * - first step: a command or event name (`blockdev-add`).
 * - `arg-type` / `ret-type` / `data` right after the first step: into the command's argument type,
 *   its return type, or the event's data.
 * - `NAME`: into the member NAME of the current object type (its type becomes current). Members of
 *   every variant count too, as QEMU accepts them when the discriminator matches.
 * - `+CASE`: into the variant CASE of the current union (`+file` for driver=file).
 * - `^VALUE`: the current type is an enum (or an alternate with an enum branch) that has VALUE.
 * - `$FEATURE`: the current command/event or member carries the feature (e.g. `deprecated`,
 *   `json-cli-hotplug`).
 * Arrays are looked through: `query-iothreads/ret-type/poll-max-ns` reads the element type.
 * A path holds when every step succeeds.
 */

/** One entity of `query-qmp-schema`, as QEMU sends it (only the fields we read). */
export interface QmpSchemaEntity {
  readonly name: string;
  readonly 'meta-type': string;
  readonly 'arg-type'?: string;
  readonly 'ret-type'?: string;
  readonly 'element-type'?: string;
  readonly members?: ReadonlyArray<{ readonly name: string; readonly type?: string; readonly features?: readonly string[] }>;
  readonly variants?: ReadonlyArray<{ readonly case: string; readonly type: string }>;
  readonly values?: readonly string[];
  readonly features?: readonly string[];
}

type Cursor =
  | { readonly kind: 'entity'; readonly entity: QmpSchemaEntity }
  | { readonly kind: 'member'; readonly features: readonly string[]; readonly entity: QmpSchemaEntity | undefined };

export class QmpSchema {
  private readonly byName = new Map<string, QmpSchemaEntity>();

  constructor(entities: readonly QmpSchemaEntity[]) {
    for (const e of entities) this.byName.set(e.name, e);
  }

  /** True when the command or event `name` exists. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Evaluates a path (see the module comment). Throws on a malformed path, never on a missing name. */
  holds(path: string): boolean {
    const steps = path.split('/');
    if (steps.length === 0 || steps[0] === '') throw new Error(`empty QMP schema path '${path}'`);
    const root = this.byName.get(steps[0]);
    if (!root || (root['meta-type'] !== 'command' && root['meta-type'] !== 'event')) return false;
    let cursor: Cursor = { kind: 'entity', entity: root };
    for (const step of steps.slice(1)) {
      const next = this.step(cursor, step, path);
      if (next === undefined) return false;
      if (next === true) continue;
      cursor = next;
    }
    return true;
  }

  private resolve(typeName: string | undefined): QmpSchemaEntity | undefined {
    let e = typeName === undefined ? undefined : this.byName.get(typeName);
    // Arrays are looked through (possibly nested).
    while (e && e['meta-type'] === 'array') e = this.byName.get(e['element-type'] ?? '');
    return e;
  }

  /** undefined: the step fails; true: a check that keeps the cursor; otherwise the new cursor. */
  private step(cursor: Cursor, step: string, path: string): Cursor | true | undefined {
    const head = step[0];
    const arg = step.slice(1);
    if (head === '$') {
      const features = cursor.kind === 'entity' ? cursor.entity.features ?? [] : cursor.features;
      return features.includes(arg) ? true : undefined;
    }
    const entity = cursor.kind === 'entity' ? cursor.entity : cursor.entity;
    if (entity === undefined) return undefined;
    const meta = entity['meta-type'];
    const isRoot = cursor.kind === 'entity' && (meta === 'command' || meta === 'event');
    if (isRoot && (step === 'arg-type' || step === 'ret-type' || (step === 'data' && meta === 'event'))) {
      const field = step === 'ret-type' ? entity['ret-type'] : entity['arg-type'];
      const target = this.resolve(field);
      return target ? { kind: 'entity', entity: target } : undefined;
    }
    if (head === '^') {
      return this.enumHas(entity, arg) ? true : undefined;
    }
    if (head === '+') {
      const variant = (entity.variants ?? []).find((v) => v.case === arg);
      const target = variant ? this.resolve(variant.type) : undefined;
      return target ? { kind: 'entity', entity: target } : undefined;
    }
    if (step === '') throw new Error(`empty step in QMP schema path '${path}'`);
    const member = this.findMember(entity, step);
    if (!member) return undefined;
    return { kind: 'member', features: member.features ?? [], entity: this.resolve(member.type) };
  }

  private findMember(entity: QmpSchemaEntity, name: string): { type?: string; features?: readonly string[] } | undefined {
    if (entity['meta-type'] !== 'object') return undefined;
    const own = (entity.members ?? []).find((m) => m.name === name);
    if (own) return own;
    for (const v of entity.variants ?? []) {
      const ve = this.resolve(v.type);
      const m = ve ? this.findMember(ve, name) : undefined;
      if (m) return m;
    }
    return undefined;
  }

  private enumHas(entity: QmpSchemaEntity, value: string): boolean {
    if (entity['meta-type'] === 'enum') {
      const values = entity.values ?? (entity.members ?? []).map((m) => m.name);
      return values.includes(value);
    }
    if (entity['meta-type'] === 'alternate') {
      return (entity.members ?? []).some((m) => {
        const t = this.resolve(m.type);
        return t !== undefined && t['meta-type'] === 'enum' && this.enumHas(t, value);
      });
    }
    return false;
  }
}
