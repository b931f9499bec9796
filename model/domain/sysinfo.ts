/**
 * `<sysinfo>`: SMBIOS strings (`type='smbios'`) or QEMU fw_cfg blobs (`type='fwcfg'`).
 * SMBIOS groups are stored as name → value maps; libvirt prints their entries in a fixed order
 * per group regardless of the input order.
 */
import { Type, type TObject, type TOptional, type TString } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import * as X from '../schema';
import { textContent } from '../xml/dom';

type Group<N extends string> = TObject<{ [K in N]: TOptional<TString> }>;

/** `<bios><entry name='vendor'>LENOVO</entry>...</bios>` ⇄ `{ vendor: 'LENOVO' }`. */
function entryGroup<const N extends readonly [string, ...string[]]>(names: N): X.ElementCodec<Group<N[number]>> {
  const props: Record<string, TOptional<TString>> = {};
  for (const n of names) props[n] = Type.Optional(Type.String());
  return {
    schema: Type.Object(props, { additionalProperties: false, minProperties: 1 }) as unknown as Group<N[number]>,
    describe: `entries named ${names.join(', ')}`,
    parse(el, ctx) {
      const out: Record<string, string> = {};
      for (const a of el.attrs) ctx.fail(el, `unsupported attribute '${a.name}' on <${el.name}>`, { attr: a.name });
      for (const c of el.children) {
        if (c.kind === 'text' && c.text.trim() !== '') ctx.fail(el, `unexpected text inside <${el.name}>`);
        if (c.kind !== 'element') continue;
        if (c.name !== 'entry') ctx.fail(c, `unsupported element <${c.name}> inside <${el.name}>`, { fix: `<${el.name}> holds only <entry name='...'> elements` });
        const name = c.attrs.find((a) => a.name === 'name')?.value;
        const extra = c.attrs.find((a) => a.name !== 'name');
        if (extra) ctx.fail(c, `unsupported attribute '${extra.name}' on <entry>`, { attr: extra.name });
        if (name === undefined) return ctx.fail(c, "missing required attribute 'name' on <entry>", { fix: `use one of ${names.join(', ')}` });
        if (!(names as readonly string[]).includes(name)) {
          ctx.fail(c, `unknown <${el.name}> entry '${name}'`, { attr: 'name', fix: `use one of ${names.join(', ')}` });
        }
        out[name] = textContent(c);
      }
      if (Object.keys(out).length === 0) ctx.fail(el, `<${el.name}> must hold at least one <entry>`, { fix: `add e.g. <entry name='${names[0]}'>...</entry> or remove <${el.name}>` });
      return out as never;
    },
    write(w, name, v) {
      const rec = v as Record<string, string | undefined>;
      w.start(name);
      for (const n of names) if (rec[n] !== undefined) w.text('entry', rec[n]!, [['name', n]]);
      w.end();
    },
  };
}

export const SysinfoBios = entryGroup(['vendor', 'version', 'date', 'release']);
export const SysinfoSystem = entryGroup(['manufacturer', 'product', 'version', 'serial', 'uuid', 'sku', 'family']);
export const SysinfoBaseBoard = entryGroup(['manufacturer', 'product', 'version', 'serial', 'asset', 'location']);
export const SysinfoChassis = entryGroup(['manufacturer', 'version', 'serial', 'asset', 'sku']);

export const OemStrings = X.element({ entries: X.textChildren(X.str(), { xml: 'entry' }) });

/** A fw_cfg blob: inline text or the contents of `file`. */
export const FwcfgEntry = X.element(
  {
    name: X.reqAttr(X.str()),
    file: X.attr(X.str()),
    value: X.text(X.str()),
  },
  {
    check(v, el, ctx) {
      if (v.file !== undefined && v.value !== undefined) ctx.fail(el, "an <entry> takes either a 'file' attribute or a text value, not both", { attr: 'file' });
      if (v.file === undefined && v.value === undefined) ctx.fail(el, `fw_cfg entry '${v.name}' has no value`, { fix: "add text or a file='PATH' attribute" });
    },
  },
);

export const Sysinfo = X.element(
  {
    type: X.reqAttr(X.enumOf('smbios', 'fwcfg')),
    bios: X.childValue(SysinfoBios),
    system: X.childValue(SysinfoSystem),
    baseBoards: X.childValues(SysinfoBaseBoard, { xml: 'baseBoard' }),
    chassis: X.childValue(SysinfoChassis),
    oemStrings: X.child(OemStrings),
    /** fw_cfg entries (`type='fwcfg'` only). */
    entries: X.children(FwcfgEntry, { xml: 'entry' }),
  },
  {
    check(v, el, ctx) {
      if (v.type === 'fwcfg') {
        for (const k of ['bios', 'system', 'baseBoards', 'chassis', 'oemStrings'] as const) {
          if (v[k] !== undefined) ctx.fail(el, `<sysinfo type='fwcfg'> cannot hold SMBIOS data (${k})`, { fix: "move it to a <sysinfo type='smbios'>" });
        }
      } else if (v.entries !== undefined) {
        ctx.fail(el, "<entry> elements directly inside <sysinfo> need type='fwcfg'", { attr: 'type', fix: "put them in a <sysinfo type='fwcfg'>" });
      }
    },
  },
);
export type Sysinfo = Static<typeof Sysinfo>;
