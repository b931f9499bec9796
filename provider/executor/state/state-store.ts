/**
 * StateStore: the one store of virtform-owned definitions on a host (docs/state.md). The
 * domain lifecycle, network and storage code and the apply engine all read and write
 * definitions through it.
 *
 * Invariants:
 * - virtform never modifies or deletes what has no ownership record: a definition file (or,
 *   for volumes, an image file reported by the caller) without `NAME.owner.json` beside it is
 *   NOT_OWNED, and every write or removal refuses it.
 * - A stack never touches another stack's resources: a record naming another stack is
 *   OTHER_STACK for every write or removal.
 * - Every change requires the host lock (HostLock.assertHeld), so two commands never
 *   interleave their writes.
 * - Crash safety by ordering: on create the record is written before the definition, on
 *   removal the definition goes first. A crash in between leaves a record without a
 *   definition (owned, so the next apply may finish or undo it), never an unowned file.
 * - Every file write is atomic (Transport.writeFile: temp file + rename), mode 0600 in
 *   directories of mode 0700: definitions can hold secrets (VNC passwords).
 * - Host commands are argv arrays through the Transport.
 */
import * as path from 'path';
import { HostError, TransportHostFs, type Transport } from '../../host';
import type { HostLock } from './host-lock';
import { currentActor } from './host-lock';
import {
  OWNER_FORMAT,
  formatOwnershipRecord,
  parseOwnershipRecord,
  type Actor,
  type OwnershipRecord,
} from './ownership-record';
import {
  DEFINITION_DIRS,
  checkEntryName,
  checkRef,
  definitionPath,
  describeRef,
  entryDir,
  ownerPath,
  sameRef,
  type DefinitionKind,
  type ResourceRef,
} from './resource-ref';
import { StateError } from './state-error';

/** What the store knows about one resource. */
export interface StateEntry {
  readonly ref: ResourceRef;
  /** The definition document, or null when there is none. */
  readonly xml: string | null;
  /** The ownership record, or null when virtform does not own the resource. */
  readonly owner: OwnershipRecord | null;
}

/** Who is writing: the stack and the lock it holds. */
export interface WriteContext {
  readonly stack: string;
  readonly lock: HostLock;
}

export interface DefineInput {
  /** The definition document; omit for volumes whose definition is the image itself. */
  readonly xml?: string;
  readonly uuid?: string;
  /** `sha256:<hex>` of the desired state (hashSpec). */
  readonly specHash: string;
  readonly parent?: ResourceRef;
  /** Volumes: host path of the image. */
  readonly path?: string;
  /** Volumes: image format. */
  readonly imageFormat?: string;
  /** Pools: virtform created the directory at `path`. Kept once set. */
  readonly createdDir?: boolean;
}

export interface StateStoreOptions {
  /** Who writes records. Default: currentActor(). */
  readonly actor?: Actor;
  /** The clock, for records' times. Default: () => new Date(). */
  readonly now?: () => Date;
}

export class StateStore {
  private readonly fs: TransportHostFs;
  private readonly actor: Actor;
  private readonly now: () => Date;

  constructor(
    readonly transport: Transport,
    readonly stateDir: string,
    opts: StateStoreOptions = {},
  ) {
    if (!stateDir.startsWith('/')) throw new TypeError(`state directory '${stateDir}' must be an absolute host path`);
    this.fs = new TransportHostFs(transport);
    this.actor = opts.actor ?? currentActor();
    this.now = opts.now ?? (() => new Date());
  }

  /** Creates the state directory tree (mode 0700). Safe to repeat. */
  async init(): Promise<void> {
    const dirs = [this.stateDir, ...Object.values(DEFINITION_DIRS).map((d) => path.posix.join(this.stateDir, d)), path.posix.join(this.stateDir, 'volumes')];
    await this.run(['mkdir', '-p', '-m', '0700', '--', ...dirs], `create the state directory ${this.stateDir}`);
  }

  /** The definition and ownership record of one resource (one round trip). */
  async get(ref: ResourceRef): Promise<StateEntry> {
    const files = await this.transport.readFiles([definitionPath(this.stateDir, ref), ownerPath(this.stateDir, ref)]);
    return this.entry(ref, files.get(definitionPath(this.stateDir, ref)) ?? null, files.get(ownerPath(this.stateDir, ref)) ?? null);
  }

  /**
   * Every resource of a kind that has a definition or a record, sorted by name. For volumes
   * pass the pool. Files that are not `NAME.xml` or `NAME.owner.json` are ignored.
   */
  async list(kind: DefinitionKind): Promise<StateEntry[]>;
  async list(kind: 'volume', pool: string): Promise<StateEntry[]>;
  async list(kind: DefinitionKind | 'volume', pool?: string): Promise<StateEntry[]> {
    if (kind === 'volume') checkEntryName(pool!, 'pool');
    const dir = entryDir(this.stateDir, { kind, pool });
    let names: string[];
    try {
      names = await this.fs.readdir(dir);
    } catch (e) {
      if (e instanceof HostError && e.code === 'NOT_FOUND') return [];
      throw e;
    }
    const found = new Set<string>();
    for (const n of names) {
      const m = /^(.+?)(\.owner\.json|\.xml)$/.exec(n);
      if (m && !m[1].startsWith('.')) found.add(m[1]);
    }
    const refs = [...found].sort().map((name) => (kind === 'volume' ? { kind, pool: pool!, name } : { kind, name }) as ResourceRef);
    const paths = refs.flatMap((r) => [definitionPath(this.stateDir, r), ownerPath(this.stateDir, r)]);
    const files = await this.transport.readFiles(paths);
    return refs.map((r) => this.entry(r, files.get(definitionPath(this.stateDir, r)) ?? null, files.get(ownerPath(this.stateDir, r)) ?? null));
  }

  /** Resources whose record names `parent` (a domain's cloud-init seed volumes), across all pools. */
  async listChildren(parent: ResourceRef): Promise<StateEntry[]> {
    const out: StateEntry[] = [];
    for (const kind of Object.keys(DEFINITION_DIRS) as DefinitionKind[]) out.push(...(await this.list(kind)));
    let pools: string[] = [];
    try {
      pools = await this.fs.readdir(path.posix.join(this.stateDir, 'volumes'));
    } catch (e) {
      if (!(e instanceof HostError && e.code === 'NOT_FOUND')) throw e;
    }
    for (const p of pools) if (!p.startsWith('.')) out.push(...(await this.list('volume', p)));
    return out.filter((e) => e.owner?.parent && sameRef(e.owner.parent, parent));
  }

  /**
   * Throws unless `stack` may create or change the resource: NOT_OWNED when it exists
   * (a definition here, or `existsOnHost` from the caller, e.g. an image file) without a
   * record; OTHER_STACK when another stack owns it. Returns the current entry.
   */
  async assertMayChange(ref: ResourceRef, stack: string, existsOnHost = false): Promise<StateEntry> {
    const e = await this.get(ref);
    this.checkMayChange(e, stack, existsOnHost, 'change');
    return e;
  }

  /**
   * Creates or updates a resource's record and definition for `ctx.stack`. The record keeps
   * its createdAt/createdBy; updatedAt moves. Refuses NOT_OWNED and OTHER_STACK resources.
   * `existsOnHost` tells about a host object outside the store (a volume's image file).
   */
  async define(ref: ResourceRef, input: DefineInput, ctx: WriteContext, existsOnHost = false): Promise<OwnershipRecord> {
    checkEntryName(ctx.stack, 'stack');
    ctx.lock.assertHeld(`write ${describeRef(ref)}`);
    const cur = await this.get(ref);
    this.checkMayChange(cur, ctx.stack, existsOnHost, 'change');
    const at = this.now().toISOString();
    const record: OwnershipRecord = {
      format: OWNER_FORMAT,
      kind: ref.kind,
      name: ref.name,
      ...(ref.kind === 'volume' ? { pool: ref.pool } : {}),
      ...(input.uuid !== undefined ? { uuid: input.uuid } : cur.owner?.uuid !== undefined ? { uuid: cur.owner.uuid } : {}),
      stack: ctx.stack,
      specHash: input.specHash,
      createdAt: cur.owner?.createdAt ?? at,
      createdBy: cur.owner?.createdBy ?? this.actor,
      updatedAt: at,
      ...(input.parent ? { parent: input.parent } : cur.owner?.parent ? { parent: cur.owner.parent } : {}),
      ...(input.path !== undefined ? { path: input.path } : cur.owner?.path !== undefined ? { path: cur.owner.path } : {}),
      ...(input.imageFormat !== undefined ? { imageFormat: input.imageFormat } : cur.owner?.imageFormat !== undefined ? { imageFormat: cur.owner.imageFormat } : {}),
      ...(input.createdDir || cur.owner?.createdDir ? { createdDir: true } : {}),
    };
    // The parsed form is what get() returns; check that what we write reads back.
    parseOwnershipRecord(formatOwnershipRecord(record), ownerPath(this.stateDir, ref), ref);
    await this.run(['mkdir', '-p', '-m', '0700', '--', entryDir(this.stateDir, ref)], `create ${entryDir(this.stateDir, ref)}`);
    ctx.lock.assertHeld(`write ${ownerPath(this.stateDir, ref)}`);
    await this.write(ownerPath(this.stateDir, ref), formatOwnershipRecord(record));
    if (input.xml !== undefined) {
      ctx.lock.assertHeld(`write ${definitionPath(this.stateDir, ref)}`);
      await this.write(definitionPath(this.stateDir, ref), input.xml);
    }
    return record;
  }

  /**
   * Removes a resource's definition and then its record. Only the owning stack may; a
   * resource without a record is NOT_OWNED. Removing what is already gone is a no-op.
   * Callers remove the host object itself (image file, running process) before calling this.
   */
  async remove(ref: ResourceRef, ctx: WriteContext): Promise<void> {
    ctx.lock.assertHeld(`remove ${describeRef(ref)}`);
    const cur = await this.get(ref);
    if (cur.xml === null && cur.owner === null) return;
    this.checkMayChange(cur, ctx.stack, false, 'remove');
    for (const file of [definitionPath(this.stateDir, ref), ownerPath(this.stateDir, ref)]) {
      // Checked before each command: a dropped connection must not let the next one run unlocked.
      ctx.lock.assertHeld(`remove ${file}`);
      await this.run(['rm', '-f', '--', file], `remove ${file}`);
    }
  }

  private checkMayChange(e: StateEntry, stack: string, existsOnHost: boolean, verb: 'change' | 'remove'): void {
    const what = describeRef(e.ref);
    const host = this.transport.hostLabel;
    if (!e.owner) {
      if (e.xml !== null || existsOnHost) {
        const where = e.xml !== null ? definitionPath(this.stateDir, e.ref) : 'the host';
        throw new StateError(
          'NOT_OWNED',
          `${host}: ${what} exists (${where}) but virtform did not create it: there is no ownership record ${ownerPath(this.stateDir, e.ref)}. ` +
            `virtform never ${verb === 'remove' ? 'deletes' : 'modifies'} what it does not own. Choose another name in stack '${stack}', ` +
            `or move the existing ${e.ref.kind} out of the way yourself.`,
        );
      }
      return;
    }
    if (e.owner.stack !== stack) {
      throw new StateError(
        'OTHER_STACK',
        `${host}: ${what} belongs to stack '${e.owner.stack}' (created ${e.owner.createdAt} by ${e.owner.createdBy.user}@${e.owner.createdBy.clientHost}), ` +
          `so stack '${stack}' cannot ${verb} it. Give the resource another name in stack '${stack}', or ${verb} it from stack '${e.owner.stack}'.`,
      );
    }
  }

  private entry(ref: ResourceRef, xml: Buffer | null, owner: Buffer | null): StateEntry {
    checkRef(ref);
    return {
      ref,
      xml: xml === null ? null : xml.toString('utf8'),
      owner: owner === null ? null : parseOwnershipRecord(owner.toString('utf8'), ownerPath(this.stateDir, ref), ref),
    };
  }

  private async write(file: string, text: string): Promise<void> {
    try {
      await this.transport.writeFile(file, text, 0o600);
    } catch (e) {
      throw new StateError('COMMAND_FAILED', `${this.transport.hostLabel}: cannot write ${file}: ${(e as Error).message}`);
    }
  }

  private async run(argv: string[], what: string): Promise<void> {
    const r = await this.transport.exec(argv);
    if (r.code !== 0) {
      throw new StateError('COMMAND_FAILED', `${this.transport.hostLabel}: cannot ${what}: ${r.stderr.toString('utf8').trim() || `${argv[0]} exited ${r.code}`}. Check that ${this.stateDir} is writable.`);
    }
  }
}
