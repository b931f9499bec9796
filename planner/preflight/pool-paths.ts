/**
 * The `pool-paths` check: a volume's image stays inside its pool. In a pool whose volumes are
 * files in its directory (dir, fs, netfs), the image of volume NAME is exactly `<dir>/NAME`: a
 * `<target><path>` elsewhere (`..`, another directory, a sub-directory) escapes the pool, and a
 * backing store must be an image of the same pool. The host re-checks with realpath under the
 * lock (symlinks cannot be seen from here).
 */
import * as path from 'path';
import { volumePathInPool } from '../canonical-document';
import type { PlanIssue } from '../plan-issue';
import { issueOn, type PreflightCheck } from './preflight-check';

export const poolPathsCheck: PreflightCheck = {
  name: 'pool-paths',
  stage: 'document',
  description: "a volume's image and backing store stay inside its pool's directory",
  run(ctx) {
    const out: PlanIssue[] = [];
    for (const r of ctx.desired) {
      const d = r.document;
      if (d.kind !== 'volume') continue;
      const pool = ctx.index.pool(d.pool);
      if (!pool) continue;
      const expected = volumePathInPool(d.doc.name, pool);
      if (expected === undefined) continue;
      const dir = path.posix.dirname(expected);
      const given = d.doc.target?.path;
      if (given !== undefined && path.posix.normalize(given) !== expected) {
        out.push(
          issueOn(
            'pool-paths',
            r,
            { obj: d.doc.target, prop: 'path', xmlPath: '/volume/target/path' },
            `volume path '${given}' escapes pool '${d.pool}': the image of volume '${d.doc.name}' in a ${pool.type} pool is ${expected}`,
            `leave <target><path> out, or write ${expected}`,
          ),
        );
      }
      const backing = d.doc.backingStore?.path;
      if (backing !== undefined) {
        const norm = path.posix.normalize(backing);
        if (path.posix.dirname(norm) !== dir || norm === expected) {
          out.push(
            issueOn(
              'pool-paths',
              r,
              { obj: d.doc.backingStore!, prop: 'path', xmlPath: '/volume/backingStore/path' },
              norm === expected
                ? `backing store '${backing}' is the volume's own image`
                : `backing store '${backing}' is outside pool '${d.pool}' (directory ${dir})`,
              `declare the base image as a volume of pool '${d.pool}' and name its path ${dir}/BASE`,
            ),
          );
        }
      }
    }
    return out;
  },
};
