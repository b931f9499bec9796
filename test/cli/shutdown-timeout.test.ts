/**
 * `--shutdown-timeout SECONDS` on apply and destroy: the parser's rule, and destroy of a domain
 * with ACPI on a real QEMU (TCG, firmware only, so the guest never answers the power button):
 * the default waits for the button (here the test session's 1 s) and says so; 0 stops QEMU at once.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseShutdownTimeout } from '../../cli/shutdown-timeout';
import { describeUnless, missingBinaryReason, QEMU_X86_64 } from '../support/qemu';
import { cliRunner } from '../support/run-cli';
import { testApplySession } from '../support/test-apply-session';
import { pidsWithUuid } from '../provider/executor/domain/test-domain';

describe('parseShutdownTimeout', () => {
  it('takes whole seconds from 0 to 86400 and gives milliseconds', () => {
    expect([parseShutdownTimeout('0'), parseShutdownTimeout('60'), parseShutdownTimeout('86400')]).toEqual([0, 60000, 86400000]);
  });
  it.each(['-1', '1.5', 'abc', '', '86401', '1e3'])('refuses %j with the rule and an example', (v) => {
    expect(() => parseShutdownTimeout(v)).toThrow('give whole seconds from 0 to 86400 (0 stops QEMU at once without asking the guest), for example --shutdown-timeout 60');
  });
});

const ACPI = `<domain type='qemu'>
  <name>acpi1</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
</domain>
`;

describeUnless(missingBinaryReason(QEMU_X86_64))('destroy --shutdown-timeout', () => {
  jest.setTimeout(120000);
  let tmp: string;
  let stack: string;
  let uri: string;
  const run = cliRunner(testApplySession());
  const uuidOf = (): string => /<uuid>([^<]+)<\/uuid>/.exec(fs.readFileSync(path.join(tmp, 'root', 'domains', 'acpi1.xml'), 'utf8'))![1];

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vf-shutdown-'));
    stack = path.join(tmp, 'acpi');
    fs.mkdirSync(stack);
    fs.writeFileSync(path.join(stack, 'acpi1.xml'), ACPI);
    uri = `qemu:///embed?root=${path.join(tmp, 'root')}`;
  });
  afterAll(async () => {
    await run('destroy', '-c', uri, '--stack', 'acpi', '--auto-approve', '--shutdown-timeout', '0');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('refuses a bad value before touching the host', async () => {
    const r = await run('destroy', '-c', uri, '--xml', stack, '--auto-approve', '--shutdown-timeout', 'soon');
    expect(r.code).not.toBe(0);
    expect(r.err).toContain("option '--shutdown-timeout <seconds>' argument 'soon' is invalid. give whole seconds from 0 to 86400");
    expect(fs.existsSync(path.join(tmp, 'root'))).toBe(false);
  });

  it('waits for the power button by default, then stops QEMU by force', async () => {
    expect((await run('apply', '-c', uri, '--xml', stack, '--auto-approve')).code).toBe(0);
    const uuid = uuidOf();
    expect(pidsWithUuid(uuid)).toHaveLength(1);
    const d = await run('destroy', '-c', uri, '--xml', stack, '--auto-approve');
    expect([d.code, d.err]).toEqual([0, '']);
    expect(d.out).toContain('domain.acpi1: shutting down (ACPI power button; QEMU is stopped by force after 1 s)\n');
    expect(pidsWithUuid(uuid)).toEqual([]);
  });

  it('with 0 stops QEMU at once without asking the guest', async () => {
    expect((await run('apply', '-c', uri, '--xml', stack, '--auto-approve')).code).toBe(0);
    const uuid = uuidOf();
    const d = await run('destroy', '-c', uri, '--xml', stack, '--auto-approve', '--shutdown-timeout', '0');
    expect([d.code, d.err]).toEqual([0, '']);
    expect(d.out).toMatch(/domain\.acpi1: Destroying\.\.\.\ndomain\.acpi1: stopping QEMU at once \(shutdown timeout 0: the guest is not asked\)\ndomain\.acpi1: Destruction complete after \d+s\n/);
    expect(pidsWithUuid(uuid)).toEqual([]);
  });
});
