/**
 * A DefinitionStore for tests of the apply layer while provider/executor/state (branch netexec)
 * is not merged: the same layout (`<stateDir>/{domains,networks,pools}/NAME.xml` +
 * `NAME.owner.json`, volumes under `volumes/POOL/`), records written before definitions and
 * removed after them, other stacks and unowned entries refused. Through the Transport, so the
 * tests exercise the same host commands path. Replace with StateStore once it is merged.
 */
import type { DefinitionStore, StoredEntry, StoredKind, StoredOwner, StoreRef, StoreWriteContext } from '../../provider/executor/apply/definition-store';
import type { Transport } from '../../provider/host/transport';

export class FileDefinitionStore implements DefinitionStore {
  constructor(
    private readonly t: Transport,
    private readonly stateDir: string,
    private readonly actor = { user: 'test', clientHost: 'test-host' },
  ) {}

  private dir(ref: { kind: StoreRef['kind']; pool?: string }): string {
    return ref.kind === 'volume' ? `${this.stateDir}/volumes/${ref.pool}` : `${this.stateDir}/${ref.kind}s`;
  }

  private files(ref: StoreRef): [string, string] {
    const d = this.dir(ref);
    return [`${d}/${ref.name}.xml`, `${d}/${ref.name}.owner.json`];
  }

  async init(): Promise<void> {
    await this.t.exec(['mkdir', '-p', '-m', '0700', '--', `${this.stateDir}/domains`, `${this.stateDir}/networks`, `${this.stateDir}/pools`, `${this.stateDir}/volumes`]);
  }

  async get(ref: StoreRef): Promise<StoredEntry> {
    const [xmlFile, ownerFile] = this.files(ref);
    const m = await this.t.readFiles([xmlFile, ownerFile]);
    const xml = m.get(xmlFile);
    const owner = m.get(ownerFile);
    return { ref, xml: xml ? xml.toString('utf8') : null, owner: owner ? (JSON.parse(owner.toString('utf8')) as StoredOwner) : null };
  }

  async list(kind: StoredKind | 'volume', pool?: string): Promise<StoredEntry[]> {
    const r = await this.t.exec(['sh', '-c', 'cd "$1" 2>/dev/null && ls -1A', 'sh', this.dir({ kind, pool })]);
    const names = new Set<string>();
    for (const f of r.stdout.toString('utf8').split('\n')) {
      const m = /^(.+?)(\.owner\.json|\.xml)$/.exec(f);
      if (m && !m[1].startsWith('.')) names.add(m[1]);
    }
    const out: StoredEntry[] = [];
    for (const name of [...names].sort()) out.push(await this.get(kind === 'volume' ? { kind, pool: pool!, name } : { kind, name }));
    return out;
  }

  private check(e: StoredEntry, stack: string): void {
    if (e.owner === null && e.xml !== null) throw new Error(`${e.ref.kind} '${e.ref.name}' exists but virtform did not create it`);
    if (e.owner && e.owner.stack !== stack) throw new Error(`${e.ref.kind} '${e.ref.name}' belongs to stack '${e.owner.stack}'`);
  }

  async define(ref: StoreRef, input: { xml?: string; uuid?: string; specHash: string }, ctx: StoreWriteContext): Promise<unknown> {
    ctx.lock.assertHeld(`define ${ref.kind} ${ref.name}`);
    const cur = await this.get(ref);
    this.check(cur, ctx.stack);
    const owner: StoredOwner = {
      stack: ctx.stack,
      createdAt: cur.owner?.createdAt ?? new Date().toISOString(),
      createdBy: cur.owner?.createdBy ?? this.actor,
      specHash: input.specHash,
      ...(input.uuid ? { uuid: input.uuid } : {}),
    };
    const [xmlFile, ownerFile] = this.files(ref);
    await this.t.exec(['mkdir', '-p', '-m', '0700', '--', this.dir(ref)]);
    await this.t.writeFile(ownerFile, JSON.stringify(owner, null, 2) + '\n', 0o600);
    if (input.xml !== undefined) await this.t.writeFile(xmlFile, input.xml, 0o600);
    return owner;
  }

  async remove(ref: StoreRef, ctx: StoreWriteContext): Promise<void> {
    ctx.lock.assertHeld(`remove ${ref.kind} ${ref.name}`);
    const cur = await this.get(ref);
    if (cur.xml === null && cur.owner === null) return;
    this.check(cur, ctx.stack);
    const [xmlFile, ownerFile] = this.files(ref);
    await this.t.exec(['rm', '-f', '--', xmlFile]);
    await this.t.exec(['rm', '-f', '--', ownerFile]);
  }
}
