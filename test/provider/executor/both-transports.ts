/**
 * Runs a suite twice: over LocalTransport and over SshTransport to a real OpenSSH server on
 * 127.0.0.1 (test/support/sshd.ts). Both reach this machine, so a test can check the host
 * effects with node's fs as well.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalTransport, SshTransport, parseConnectionUri, type SshUri, type Transport } from '../../../provider/host';
import { SSHD, startSshd, type TestSshd } from '../../support/sshd';
import { missing } from '../../support/skip';

export interface TransportFixture {
  /** The transport under test (valid inside tests and hooks). */
  t(): Transport;
  /** A new transport of the same kind (a second client). */
  another(): Promise<Transport>;
  /** The test sshd, for the ssh variant. */
  sshd(): TestSshd | undefined;
  /** A fresh temp dir for this suite; removed afterwards. */
  dir(): string;
}

const sshdMissing = missing({ binaries: [SSHD, 'ssh-keygen'] });

/** `describe` over each transport; `kind` is 'local' or 'ssh'. */
export function describeEachTransport(name: string, body: (fx: TransportFixture, kind: 'local' | 'ssh') => void): void {
  for (const kind of ['local', 'ssh'] as const) {
    const d = kind === 'ssh' && sshdMissing ? (n: string, f: () => void) => describe.skip(`${n} [skipped: ${sshdMissing}]`, f) : describe;
    d(`${name} (${kind})`, () => {
      let sshd: TestSshd | undefined;
      let transport: Transport;
      let dir: string;
      const extra: Transport[] = [];
      const open = async (): Promise<Transport> =>
        kind === 'local'
          ? new LocalTransport('qemu:///system')
          : SshTransport.open(parseConnectionUri(sshd!.uri()) as SshUri, { sshConfigFile: null, agentSocket: null });
      beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), `virtform-${kind}-`));
        if (kind === 'ssh') sshd = await startSshd();
        transport = await open();
      });
      afterAll(async () => {
        for (const x of extra) await x.close();
        await transport?.close();
        await sshd?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      });
      body(
        {
          t: () => transport,
          another: async () => {
            const x = await open();
            extra.push(x);
            return x;
          },
          sshd: () => sshd,
          dir: () => dir,
        },
        kind,
      );
    });
  }
}
