/**
 * libvirt's qemuxml2argvtest, for the cases that ran against real QEMU capabilities
 * (`x86_64-latest` = tests/qemucapabilitiesdata/caps_8.0.0.x86_64.xml): each input
 * `tests/qemuxml2argvdata/NAME.xml` goes through virtform's QEMU pipeline on libvirt's fake test
 * host (./fake-host.ts) and the printed command line must equal `NAME.x86_64-latest.args` byte
 * for byte; for `NAME.x86_64-latest.err` cases the error message must equal the file's line.
 *
 * The per-case harness settings come from index/qemuxml2argv-tests.tsv: qemu.conf changes and
 * environment (`state_changes_in_effect`) and extra arguments (fd groups, extra caps flags).
 */
import * as path from 'path';
import { parseDomainXml } from '../../model/domain/domain';
import { loadLibvirtCapsFile, type QemuCaps } from '../../provider/qemu/caps';
import { QemuConfigError } from '../../provider/qemu/validate';
import { prepareDomain } from '../../provider/qemu/prepare';
import { loadFirmwareDescriptors, type FirmwareDescriptor, type QemuDriverConfig } from '../../provider/qemu/defaults';
import { buildQemuCommandLine } from '../../provider/qemu/argv/build';
import type { ArgvContext } from '../../provider/qemu/argv/context';
import type { Corpus } from './corpus';
import type { CaseRun, ConformanceSuite, SuiteCase } from './suite';
import { parseStateChanges, testArgvContext, testStoragePools, testCaps, TEST_FIRMWARE_DIRS, type HarnessSettings } from './fake-host';
import { TEST_GENID } from './xml2xml-suite';

const INDEX = 'index/qemuxml2argv-tests.tsv';
const DATA = 'tests/qemuxml2argvdata';
/** What libvirt 9.0's tests mean by "x86_64-latest". */
export const LATEST_X86_64_CAPS = 'tests/qemucapabilitiesdata/caps_8.0.0.x86_64.xml';

/**
 * Capability flags some cases add on top of the caps file (libvirt's ARG_QEMU_CAPS lists; the
 * index records the macro argument but not the flags, which are these).
 */
const EXTRA_CAPS: Readonly<Record<string, readonly string[]>> = {
  'launch-security-sev-direct': ['sev-guest'],
};

/** libvirt's ARG_FLAGS test flags, as qemu.conf-style settings of the fake host. */
const FLAG_SETTINGS: Readonly<Record<string, Readonly<Record<string, boolean>>>> = {
  FLAG_FIPS_HOST: { hostFipsMode: true },
  FLAG_SLIRP_HELPER: { slirpHelperAvailable: true },
};

/** Parses `ARG_FD_GROUP "name" COUNT fd...` sequences from the extra_args cell. */
export function parseFdGroups(extra: string): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  const re = /ARG_FD_GROUP\s+"([^"]+)"\s+(\d+)((?:\s+\d+)*)/g;
  for (let m = re.exec(extra); m; m = re.exec(extra)) {
    const fds = m[3].trim().split(/\s+/).map(Number);
    out[m[1]] = fds.slice(0, Number(m[2]));
  }
  return out;
}

function parseFlagSettings(extra: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const m of extra.matchAll(/ARG_FLAGS\s+((?:FLAG_\w+\s*)+)/g)) {
    for (const f of m[1].trim().split(/\s+/)) Object.assign(out, FLAG_SETTINGS[f] ?? {});
  }
  return out;
}

let latestCaps: QemuCaps | undefined;
let latestCapsRoot: string | undefined;
let firmware: FirmwareDescriptor[] = [];

function capsFor(name: string): QemuCaps {
  if (!latestCaps) throw new Error('argv suite: capabilities not loaded (prepare() was not called)');
  const extra = EXTRA_CAPS[name];
  if (!extra) return latestCaps;
  return { ...latestCaps, flags: new Set([...latestCaps.flags, ...extra]) };
}

/** The ArgvContext for a case (exported for tests of the harness itself). */
export function caseContext(c: SuiteCase, caps: QemuCaps, domainName: string): ArgvContext {
  const p = c.params ?? {};
  const base = parseStateChanges(p.state_changes_in_effect ?? '');
  const settings: HarnessSettings = { config: { ...base.config, ...parseFlagSettings(p.extra_args ?? '') }, env: base.env };
  const base0 = testArgvContext(caps, domainName, settings);
  const ctx = latestCapsRoot ? { ...base0, storagePools: testStoragePools(latestCapsRoot) } : base0;
  const fdGroups = parseFdGroups(p.extra_args ?? '');
  return Object.keys(fdGroups).length ? { ...ctx, fdGroups } : ctx;
}

/**
 * Runs the shared QEMU pipeline (provider/qemu/prepare.ts, launch mode, validated against the
 * case's context) for one domain XML and prints the command line in the `.args` layout.
 */
export function argvForXml(
  xml: string,
  file: string,
  caps: QemuCaps,
  makeCtx: (name: string) => ArgvContext,
  firmware: readonly FirmwareDescriptor[] = [],
): string {
  const def = parseDomainXml(xml, file);
  const ctx = makeCtx(def.name);
  prepareDomain(def, caps, {
    hostArch: 'x86_64',
    config: (ctx.config ?? {}) as QemuDriverConfig,
    env: ctx.hostEnv ?? {},
    newGenid: () => TEST_GENID,
    firmware,
    launch: true,
    validateWith: ctx,
  });
  return buildQemuCommandLine(def, ctx).toArgsFile();
}

export const argvSuite: ConformanceSuite = {
  name: 'argv',
  description: 'QEMU command lines (libvirt qemuxml2argvtest, x86_64-latest caps): qemuxml2argvdata NAME.xml -> NAME.x86_64-latest.args / .err',
  implemented: true,
  cases(corpus: Corpus): SuiteCase[] {
    const seen = new Set<string>();
    const out: SuiteCase[] = [];
    for (const row of corpus.tsv(INDEX)) {
      if (row.caps_arch !== 'x86_64' || row.caps_ver !== 'latest' || row.location !== DATA) continue;
      const key = [row.name, row.expected_file, row.extra_args, row.state_changes_in_effect].join('\t');
      if (seen.has(key)) continue; // libvirt lists a few cases twice
      seen.add(key);
      const isErr = row.expected_file.endsWith('.err');
      // Two names have both a passing and a failing case, told apart by the environment.
      const name = out.some((c) => c.name === row.name) ? `${row.name} (${row.state_changes_in_effect.split(' ').filter((t) => t.startsWith('env.')).join(' ')})` : row.name;
      out.push({
        name,
        input: `${DATA}/${row.name}.xml`,
        expect: isErr ? 'error' : 'output',
        outputPath: `${DATA}/${row.expected_file}`,
        errorPath: isErr ? `${DATA}/${row.expected_file}` : `${DATA}/${row.name}.x86_64-latest.err`,
        params: Object.fromEntries(
          Object.entries({ extra_args: row.extra_args, state_changes_in_effect: row.state_changes_in_effect }).filter(([, v]) => v !== ''),
        ),
      });
    }
    return out;
  },
  async prepare(corpus: Corpus): Promise<void> {
    if (latestCaps && latestCapsRoot === corpus.root) return;
    latestCaps = testCaps(await loadLibvirtCapsFile(path.join(corpus.root, LATEST_X86_64_CAPS)));
    latestCapsRoot = corpus.root;
    firmware = loadFirmwareDescriptors(TEST_FIRMWARE_DIRS.map((d) => path.join(corpus.root, d)));
  },
  run(c: SuiteCase, corpus: Corpus): CaseRun {
    const baseName = c.input.replace(/^.*\//, '').replace(/\.xml$/, '');
    const caps = capsFor(baseName);
    try {
      return { output: argvForXml(corpus.read(c.input), c.input, caps, (name) => caseContext(c, caps, name), firmware) };
    } catch (e) {
      if (e instanceof QemuConfigError) return { error: e.message };
      return { error: e instanceof Error ? e.message : String(e) };
    }
  },
};
