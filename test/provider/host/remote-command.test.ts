import { remoteCommand } from '../../../provider/host/ssh-transport';

describe('remoteCommand (the line SSH exec sends)', () => {
  it('execs the quoted argv, after cd and exports when asked', () => {
    expect(remoteCommand(['qemu-img', 'info', '/var/lib/x y.qcow2'])).toBe("exec qemu-img info '/var/lib/x y.qcow2'");
    expect(remoteCommand(['ls'], { cwd: '/tmp/a b', env: { LC_ALL: 'C', X: "it's" } })).toBe(
      "cd -- '/tmp/a b' && export LC_ALL=C && export X='it'\\''s' && exec ls",
    );
  });

  it('refuses an environment variable name the shell would misread', () => {
    expect(() => remoteCommand(['true'], { env: { 'A;rm -rf /': '1' } })).toThrow(
      'environment variable name "A;rm -rf /" is not a valid shell name (letters, digits, _; not starting with a digit)',
    );
  });
});
