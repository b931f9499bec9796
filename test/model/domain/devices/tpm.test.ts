import { Tpm, validateTpm } from '../../../../model/domain/devices/tpm';
import * as X from '../../../../model/schema';
import { parseDevice, roundTrip } from './device-xml';

describe('<tpm>', () => {
  it('prints an emulator backend with version, persistent state, encryption and PCR banks in order', () => {
    expect(
      roundTrip(Tpm, 'tpm', `<tpm model='tpm-crb'>
  <backend persistent_state='yes' version='2.0' type='emulator'>
    <active_pcr_banks><sha512/><sha256/></active_pcr_banks>
    <encryption secret='B4A117F1-8AF2-44A4-91B8-7F0D2D4D68A3'/>
  </backend>
</tpm>`),
    ).toBe(`<tpm model='tpm-crb'>
  <backend type='emulator' version='2.0' persistent_state='yes'>
    <encryption secret='b4a117f1-8af2-44a4-91b8-7f0d2d4d68a3'/>
    <active_pcr_banks>
      <sha256/>
      <sha512/>
    </active_pcr_banks>
  </backend>
</tpm>
`);
  });

  it('keeps passthrough and external backends', () => {
    const pt = `<tpm model='tpm-tis'>\n  <backend type='passthrough'>\n    <device path='/dev/tpm0'/>\n  </backend>\n</tpm>\n`;
    expect(roundTrip(Tpm, 'tpm', pt)).toBe(pt);
    const ext = `<tpm model='tpm-tis'>\n  <backend type='external'>\n    <source type='unix' mode='connect' path='/tmp/path.sock'/>\n  </backend>\n</tpm>\n`;
    expect(roundTrip(Tpm, 'tpm', ext)).toBe(ext);
  });

  it('rejects unknown versions and a TPM without a backend', () => {
    expect(() => parseDevice(Tpm, `<tpm model='tpm-tis'><backend type='emulator' version='3.0'/></tpm>`)).toThrow(
      "attribute 'version' has value '3.0', which must be one of '1.2', '2.0'",
    );
    expect(() => parseDevice(Tpm, `<tpm model='tpm-tis'>\n</tpm>`)).toThrow('dev.xml:1: /tpm: missing TPM device backend');
    expect(X.validateShape(Tpm, { model: 'tpm-tis' })).toEqual([
      { pos: undefined, path: '/', problem: 'missing required element <backend>', fix: 'add the element <backend>' },
    ]);
  });

  it('reports backend options used with the wrong backend and PCR banks on TPM 1.2', () => {
    const problems = (xml: string) => validateTpm(parseDevice(Tpm, xml)).map((i) => i.problem);
    expect(problems(`<tpm><backend type='passthrough' persistent_state='yes'><encryption secret='b4a117f1-8af2-44a4-91b8-7f0d2d4d68a3'/></backend></tpm>`)).toEqual([
      "<encryption> applies only to the 'emulator' TPM backend, not 'passthrough'",
      "attribute 'persistent_state' applies only to the 'emulator' TPM backend, not 'passthrough'",
    ]);
    expect(problems(`<tpm><backend type='emulator' version='1.2'><active_pcr_banks><sha1/></active_pcr_banks></backend></tpm>`)).toEqual([
      "<active_pcr_banks/> requires TPM version '2.0'",
    ]);
    expect(problems(`<tpm><backend type='external'/></tpm>`)).toEqual(['missing socket path for external TPM device']);
  });
});
