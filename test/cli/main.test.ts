import { main } from '../../cli/main';

function capture() {
  let out = '';
  let err = '';
  return {
    io: { out: (s: string) => void (out += s), err: (s: string) => void (err += s), exitCode: 0 },
    get out() { return out; },
    get err() { return err; },
  };
}

describe('virtform CLI', () => {
  it('prints its version with --version and exits 0', async () => {
    const c = capture();
    expect(await main(['--version'], c.io)).toBe(0);
    expect(c.out).toBe('0.1.0\n');
  });

  it('rejects an unknown verb with exit code 1 and names it', async () => {
    const c = capture();
    expect(await main(['frobnicate'], c.io)).toBe(1);
    expect(c.err).toContain("unknown command 'frobnicate'");
  });
});
