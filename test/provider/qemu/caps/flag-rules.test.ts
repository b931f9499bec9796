import { deriveFlags, evidenceHolds, FLAG_RULES, ProbeEvidence } from '../../../../provider/qemu/caps/flag-rules';
import { QmpSchema } from '../../../../provider/qemu/caps/qmp-schema';

function evidence(over: Partial<ProbeEvidence> = {}): ProbeEvidence {
  return {
    kvm: { present: true, enabled: false },
    qomTypes: new Set(),
    schema: new QmpSchema([]),
    deviceProps: {},
    objectProps: {},
    commandLineOptions: new Map(),
    ...over,
  };
}

describe('flag rules', () => {
  it('names each flag once', () => {
    const names = FLAG_RULES.map((r) => r.flag);
    expect(new Set(names).size).toBe(names.length);
  });

  it('derives nothing from an empty probe', () => {
    expect(deriveFlags(evidence())).toEqual([]);
  });

  it('sets kvm only when KVM is present and enabled', () => {
    expect(deriveFlags(evidence({ kvm: { present: true, enabled: true } }))).toEqual(['kvm']);
    expect(deriveFlags(evidence({ kvm: { present: true, enabled: false } }))).toEqual([]);
  });

  it('chooses between -no-hpet and -machine hpet= by the machine option list', () => {
    const qomTypes = new Set(['hpet']);
    expect(deriveFlags(evidence({ qomTypes }))).toEqual(['no-hpet']);
    const commandLineOptions = new Map([['machine', new Set(['hpet', 'type'])]]);
    expect(deriveFlags(evidence({ qomTypes, commandLineOptions }))).toEqual(['machine-hpet']);
    // no HPET device at all (e.g. another target): neither
    expect(deriveFlags(evidence())).toEqual([]);
  });

  it('reads device properties and their defaults', () => {
    const deviceProps = { 'virtio-blk-pci': [{ name: 'scsi', type: 'bool', defaultValue: false }, { name: 'queue-size', type: 'uint16' }] };
    expect(deriveFlags(evidence({ deviceProps }))).toEqual(['virtio-blk-pci.scsi', 'virtio-blk-pci.scsi.default.disabled', 'virtio-blk.queue-size']);
    const enabledByDefault = { 'virtio-blk-pci': [{ name: 'scsi', type: 'bool', defaultValue: true }] };
    expect(deriveFlags(evidence({ deviceProps: enabledByDefault }))).toEqual(['virtio-blk-pci.scsi']);
  });

  it('maps a QOM type named differently from its flag', () => {
    expect(deriveFlags(evidence({ qomTypes: new Set(['lsi53c895a', 'tcg-accel', 'virtio-net-pci']) }))).toEqual(['lsi', 'tcg', 'virtio-net']);
  });

  it('evaluates combinations', () => {
    const ev = evidence({ qomTypes: new Set(['a']) });
    expect(evidenceHolds({ kind: 'any', of: [{ kind: 'type', type: 'b' }, { kind: 'type', type: 'a' }] }, ev)).toBe(true);
    expect(evidenceHolds({ kind: 'all', of: [{ kind: 'type', type: 'b' }, { kind: 'type', type: 'a' }] }, ev)).toBe(false);
    expect(evidenceHolds({ kind: 'not', evidence: { kind: 'type', type: 'b' } }, ev)).toBe(true);
  });
});
