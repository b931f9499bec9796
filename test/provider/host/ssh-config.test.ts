import { parseSshConfig, resolveSshConfig } from '../../../provider/host/ssh-config';

const CONFIG = `
# Lines before the first Host apply to every host and, being first, win.
Compression yes

Host kvm1 kvm1.lan
    HostName 192.0.2.10
    User=root
    Port 2222
    IdentityFile ~/.ssh/kvm_%h_%r
    IdentityFile "/keys/with space"
    UserKnownHostsFile ~/.ssh/kh_lab /etc/kh_lab

Match host kvm1
    User matched-should-be-ignored

Host * !secret
    IdentityFile %d/.ssh/common
    Port 22
    IdentitiesOnly yes
    IdentityAgent ~/.agent.sock
`;

describe('~/.ssh/config subset', () => {
  const ctx = { home: '/home/ann', localUser: 'ann' };
  const blocks = parseSshConfig(CONFIG);

  it('takes the first value per keyword and accumulates IdentityFile, expanding tokens', () => {
    expect(resolveSshConfig(blocks, 'kvm1', ctx)).toEqual({
      hostName: '192.0.2.10',
      user: 'root',
      port: 2222,
      identityFiles: ['/home/ann/.ssh/kvm_192.0.2.10_root', '/keys/with space', '/home/ann/.ssh/common'],
      identitiesOnly: true,
      userKnownHostsFiles: ['/home/ann/.ssh/kh_lab', '/etc/kh_lab'],
      identityAgent: '/home/ann/.agent.sock',
    });
  });

  it('lets the URI user win over the config for %r', () => {
    expect(resolveSshConfig(blocks, 'kvm1', { ...ctx, user: 'ops' }).identityFiles[0]).toBe('/home/ann/.ssh/kvm_192.0.2.10_ops');
  });

  it('lets a top-level value win over a Host block, as OpenSSH does', () => {
    const b = parseSshConfig('Port 2200\nHost kvm1\n  Port 2222\n');
    expect(resolveSshConfig(b, 'kvm1', ctx).port).toBe(2200);
  });

  it('applies negated patterns and ignores Match blocks', () => {
    const r = resolveSshConfig(blocks, 'secret', ctx);
    expect(r).toEqual({ identityFiles: [], identitiesOnly: false });
  });
});
