import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkHostKey, entryMatches, fingerprint, knownHostsName, parseKnownHosts } from '../../../provider/host/known-hosts';
import { keygen } from '../../support/sshd';

describe('known_hosts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'virtform-kh-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  keygen(path.join(dir, 'a'));
  keygen(path.join(dir, 'b'));
  const pub = (n: string): string => fs.readFileSync(path.join(dir, `${n}.pub`), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const blob = (n: string): Buffer => Buffer.from(pub(n).split(' ')[1], 'base64');

  it('names non-22 ports as [host]:port', () => {
    expect(knownHostsName('h1', 22)).toBe('h1');
    expect(knownHostsName('127.0.0.1', 2222)).toBe('[127.0.0.1]:2222');
  });

  it('matches patterns with wildcards and negation', () => {
    const [e] = parseKnownHosts(`*.example.com,!bad.example.com,10.0.0.? ${pub('a')}\n`, 'kh');
    expect(entryMatches(e, 'h1.example.com')).toBe(true);
    expect(entryMatches(e, 'bad.example.com')).toBe(false);
    expect(entryMatches(e, '10.0.0.7')).toBe(true);
    expect(entryMatches(e, '10.0.0.77')).toBe(false);
  });

  it('matches entries hashed by ssh-keygen -H', () => {
    const file = path.join(dir, 'hashed');
    fs.writeFileSync(file, `[127.0.0.1]:2222 ${pub('a')}\nother ${pub('b')}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('127.0.0.1');
    const entries = parseKnownHosts(text, file);
    expect(entries.map((e) => e.hashed !== null)).toEqual([true, true]);
    expect(checkHostKey(entries, '[127.0.0.1]:2222', blob('a'))).toMatchObject({ status: 'ok', entry: { line: 1 } });
    expect(checkHostKey(entries, '[127.0.0.1]:2222', blob('b'))).toMatchObject({ status: 'mismatch' });
    expect(checkHostKey(entries, '127.0.0.1', blob('a'))).toEqual({ status: 'unknown' });
  });

  it('honours @revoked and skips @cert-authority', () => {
    const entries = parseKnownHosts(`@revoked * ${pub('b')}\n@cert-authority * ${pub('a')}\nh ${pub('b')}\n`, 'kh');
    expect(checkHostKey(entries, 'h', blob('b'))).toMatchObject({ status: 'revoked', entry: { line: 1 } });
    expect(checkHostKey(entries, 'x', blob('a'))).toEqual({ status: 'unknown' });
  });

  it('prints fingerprints as ssh-keygen -l does', () => {
    const expected = execFileSync('ssh-keygen', ['-l', '-f', path.join(dir, 'a.pub')]).toString().split(' ')[1];
    expect(fingerprint(blob('a'))).toBe(expected);
  });
});
