/**
 * virtform's nftables table on a host (`inet virtform`): reading which chains it holds,
 * applying a network's script, and deleting a network's chains, then the table once it is
 * empty. Scripts go to `nft -f -` on stdin; nothing is built into a shell line.
 */
import type { Transport } from '../../host';
import { commandError, runHostCommand } from './host-command';
import { NFT_FAMILY, NFT_TABLE, deleteChainsScript } from './nft-ruleset';

export interface VirtformTable {
  readonly exists: boolean;
  /** Chain name → number of rules in it. */
  readonly chains: ReadonlyMap<string, number>;
  /** Sets, maps, flowtables and other objects that are not chains or rules. */
  readonly otherObjects: number;
}

/** Parses `nft -j list table inet virtform` output. */
export function parseVirtformTable(json: string): VirtformTable {
  const doc = JSON.parse(json) as { nftables?: Record<string, { chain?: string; name?: string }>[] };
  const chains = new Map<string, number>();
  let other = 0;
  let exists = false;
  for (const item of doc.nftables ?? []) {
    const [kind] = Object.keys(item);
    const v = item[kind];
    if (kind === 'metainfo') continue;
    if (kind === 'table') exists = true;
    else if (kind === 'chain') chains.set(v.name!, chains.get(v.name!) ?? 0);
    else if (kind === 'rule') chains.set(v.chain!, (chains.get(v.chain!) ?? 0) + 1);
    else other++;
  }
  return { exists, chains, otherObjects: other };
}

export async function readVirtformTable(t: Transport): Promise<VirtformTable> {
  const argv = ['nft', '-j', 'list', 'table', NFT_FAMILY, NFT_TABLE];
  const r = await t.exec(argv);
  if (r.code !== 0) {
    if (/No such file or directory/.test(r.stderr.toString('utf8'))) return { exists: false, chains: new Map(), otherObjects: 0 };
    throw commandError(t, argv, `reading nftables table ${NFT_FAMILY} ${NFT_TABLE}`, r);
  }
  return parseVirtformTable(r.stdout.toString('utf8'));
}

/** Runs an nft script atomically (`nft -f -`). */
export async function applyNftScript(t: Transport, script: string, what: string): Promise<void> {
  await runHostCommand(t, ['nft', '-f', '-'], what, { stdin: script });
}

/**
 * Deletes those of `chains` that exist, then the table when nothing is left in it. Returns
 * the chains deleted and whether the table was.
 */
export async function removeChains(t: Transport, chains: readonly string[], what: string): Promise<{ deleted: string[]; tableDeleted: boolean }> {
  let table = await readVirtformTable(t);
  const deleted = chains.filter((c) => table.chains.has(c));
  if (deleted.length) {
    await applyNftScript(t, deleteChainsScript(deleted), what);
    table = await readVirtformTable(t);
  }
  let tableDeleted = false;
  if (table.exists && table.chains.size === 0 && table.otherObjects === 0) {
    await applyNftScript(t, `delete table ${NFT_FAMILY} ${NFT_TABLE}\n`, `${what} (removing the now empty table)`);
    tableDeleted = true;
  }
  return { deleted, tableDeleted };
}
