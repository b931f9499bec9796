/**
 * A LiveStateReader that checks what the state store's storage definitions stand for: a pool's
 * directory and a volume's image. An owned pool or volume whose directory or image is missing is
 * reported as incomplete (a record without a definition), so the plan creates it again instead
 * of calling it unchanged:
 * - an apply stopped after storing a volume's definition and before qemu-img made the image;
 * - an image or directory deleted behind virtform's back.
 *
 * Only owned resources are checked (what virtform did not create is never re-created), with one
 * host command for all of them. Paths come from the stored definitions (a volume without a
 * `<target><path>` lies at `<pool dir>/<name>`).
 */
import { parsePoolXml } from '../../../model/pool';
import { parseVolumeXml } from '../../../model/volume';
import type { LiveResource, LiveState } from '../../../planner/live-state';
import type { Transport } from '../../host';
import type { LiveStateReader } from './live-state-reader';

// Each argument is `d:PATH` (a directory) or `f:PATH` (a regular file); prints 1 or 0 per argument.
const PRESENCE_SCRIPT = 'for a; do case $a in d:*) [ -d "${a#d:}" ] ;; *) [ -f "${a#f:}" ] ;; esac && echo 1 || echo 0; done';

export class StoragePresenceReader implements LiveStateReader {
  constructor(
    private readonly inner: LiveStateReader,
    private readonly transport: Transport,
  ) {}

  async read(pools?: readonly string[]): Promise<LiveState> {
    const live = await this.inner.read(pools);
    const poolDirs = new Map<string, string>();
    for (const r of live.resources) {
      if (r.address.kind !== 'pool' || r.xml === null) continue;
      const p = readable(() => parsePoolXml(r.xml!));
      if (p?.type === 'dir' && p.target?.path) poolDirs.set(r.address.name, p.target.path);
    }
    const checks: { index: number; arg: string }[] = [];
    live.resources.forEach((r, index) => {
      if (r.owner === null || r.xml === null) return;
      if (r.address.kind === 'pool' && poolDirs.has(r.address.name)) checks.push({ index, arg: `d:${poolDirs.get(r.address.name)!}` });
      if (r.address.kind === 'volume') {
        const dir = poolDirs.get(r.address.pool!);
        if (dir === undefined) return; // not a directory pool virtform knows: nothing to check against
        const v = readable(() => parseVolumeXml(r.xml!));
        const file = v?.target?.path ?? `${dir.replace(/\/+$/, '')}/${r.address.name}`;
        checks.push({ index, arg: `f:${file}` });
      }
    });
    if (checks.length === 0) return live;
    const res = await this.transport.exec(['sh', '-c', PRESENCE_SCRIPT, 'sh', ...checks.map((c) => c.arg)]);
    const flags = res.stdout.toString('utf8').split('\n');
    if (res.code !== 0 || flags.length < checks.length) {
      throw new Error(`${this.transport.hostLabel}: cannot check the storage of the stored pools and volumes: ${res.stderr.toString('utf8').trim() || `sh exited ${res.code}`}`);
    }
    const missing = new Set(checks.filter((_, i) => flags[i] === '0').map((c) => c.index));
    if (missing.size === 0) return live;
    const resources: LiveResource[] = live.resources.map((r, i) => (missing.has(i) ? { ...r, xml: null } : r));
    return { resources };
  }
}

/** The parsed document, or undefined when it does not parse (the planner reports that itself). */
function readable<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}
