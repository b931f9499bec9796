/**
 * Our probe logic run over libvirt's recorded QMP conversations (no QEMU needed), checked against
 * the caps XML libvirt built from the same conversations: an independent reading of the same facts.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FLAG_RULES, UNDERIVED_FLAGS } from '../../../../provider/qemu/caps/flag-rules';
import { loadLibvirtCapsFile } from '../../../../provider/qemu/caps/libvirt-caps-xml';
import { capsFromQmp } from '../../../../provider/qemu/caps/qmp-probe';
import { parseQmpTranscript, transcriptAsk } from '../../../../provider/qemu/caps/qmp-transcript';
import { QmpCommandError } from '../../../../provider/qemu/qmp';
import { missingCorpusReason, QEMU_CAPS_DIR } from '../../../support/corpus';
import { describeUnless } from '../../../support/qemu';

describeUnless(missingCorpusReason())('QMP probe over libvirt transcripts', () => {
  for (const v of ['7.2.0', '8.0.0']) {
    describe(`caps_${v}`, () => {
      const load = async () => {
        const sessions = parseQmpTranscript(fs.readFileSync(path.join(QEMU_CAPS_DIR, `caps_${v}.x86_64.replies`), 'utf8'));
        const probed = await capsFromQmp({ main: transcriptAsk(sessions[0]), tcg: transcriptAsk(sessions[1]) }, '/usr/bin/qemu-system-x86_64');
        const xml = await loadLibvirtCapsFile(path.join(QEMU_CAPS_DIR, `caps_${v}.x86_64.xml`));
        return { sessions, probed: probed.caps, xml };
      };

      it('splits the transcript into the KVM and the TCG session', async () => {
        const { sessions } = await load();
        expect(sessions).toHaveLength(2);
        expect(sessions[0][0].command).toBe('qmp_capabilities');
        expect(sessions[1].map((x) => x.command)).toEqual([
          'qmp_capabilities', 'query-cpu-definitions', 'query-cpu-model-expansion', 'query-cpu-model-expansion', 'query-machines',
        ]);
      });

      it('derives exactly libvirt\'s flags, except the documented underived ones', async () => {
        const { probed, xml } = await load();
        const expected = [...xml.flags].filter((f) => !UNDERIVED_FLAGS.includes(f)).sort();
        expect([...probed.flags].sort()).toEqual(expected);
        // Every rule's flag that libvirt does not set must stay off too (no rule fires wrongly).
        for (const r of FLAG_RULES) expect([r.flag, probed.flags.has(r.flag)]).toEqual([r.flag, xml.flags.has(r.flag)]);
      });

      it('reads version, package, KVM and machines exactly as libvirt recorded them', async () => {
        const { probed, xml } = await load();
        expect(probed.version).toBe(xml.version);
        expect(probed.package).toBe(xml.package);
        expect(probed.arch).toBe(xml.arch);
        expect(probed.kvmAvailable).toBe(true);
        const byName = (a: readonly { name: string }[]) => [...a].sort((x, y) => x.name.localeCompare(y.name));
        expect(byName(probed.accel.kvm!.machines)).toEqual(byName(xml.accel.kvm!.machines));
        expect(byName(probed.accel.tcg!.machines)).toEqual(byName(xml.accel.tcg!.machines));
      });

      it('reads CPU model usability and blockers per accelerator as libvirt recorded them', async () => {
        const { probed, xml } = await load();
        for (const accel of ['kvm', 'tcg'] as const) {
          const ours = probed.accel[accel]!.cpuModels.map(({ aliasOf: _a, ...rest }) => rest);
          expect(ours).toEqual(xml.accel[accel]!.cpuModels);
        }
        expect(probed.accel.kvm!.cpuModels.find((c) => c.name === 'Westmere')?.aliasOf).toBe('Westmere-v1');
      });
    });
  }
});

describe('QMP transcripts', () => {
  const text = `{
  "execute": "qmp_capabilities",
  "id": "libvirt-1"
}

{
  "return": {
  },
  "id": "libvirt-1"
}

{
  "execute": "device-list-properties",
  "arguments": {
    "typename": "nope"
  },
  "id": "libvirt-2"
}

{
  "id": "libvirt-2",
  "error": {
    "class": "GenericError",
    "desc": "Parameter 'typename' expects device type"
  }
}

{
  "execute": "query-kvm",
  "id": "libvirt-3"
}

{
  "return": {
    "enabled": false,
    "present": true
  },
  "id": "libvirt-3"
}
`;

  it('answers recorded commands by name and arguments, errors included', async () => {
    const [session] = parseQmpTranscript(text);
    const ask = transcriptAsk(session);
    expect(await ask('query-kvm')).toEqual({ enabled: false, present: true });
    const err = await ask('device-list-properties', { typename: 'nope' }).catch((e) => e as QmpCommandError);
    expect(err).toBeInstanceOf(QmpCommandError);
    expect((err as QmpCommandError).desc).toBe("Parameter 'typename' expects device type");
    await expect(ask('query-status')).rejects.toThrow('not recorded in the transcript: query-status {}');
  });
});
