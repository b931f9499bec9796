/**
 * Hostile or unusable names and values are refused before any host command runs: every call
 * here goes to a transport that fails the test if it is used at all.
 */
import { applyNetworkDefaults, parseNetworkXml, type Network } from '../../../../model/network';
import {
  NetworkError,
  networkStatus,
  prepareInterfaceTap,
  releaseInterfaceTap,
  startNetwork,
  stopNetwork,
  updateNetworkHosts,
} from '../../../../provider/executor/network';
import { RecordingTransport } from '../../../support/recording-transport';

/** A network document built as an object, so names the XML layer would reject still reach the executor. */
function net(name: string, bridge: string, extra: Partial<Network> = {}): Network {
  const doc = applyNetworkDefaults(parseNetworkXml(`<network><name>n</name><bridge name='virbr9'/><ip address='10.1.0.1' prefix='24'/></network>`));
  return { ...doc, name, bridge: { ...doc.bridge, name: bridge }, ...extra };
}

describe('bad names and values never reach the host', () => {
  let host: RecordingTransport;
  beforeEach(() => {
    host = new RecordingTransport(null);
  });
  afterEach(() => {
    expect(host.calls).toEqual([]);
  });
  const ctx = () => ({ transport: host, runDir: '/run/virtform' });

  it.each([
    ['a;reboot'],
    ['../../etc/passwd'],
    ['net$(id)'],
    ['-rf'],
    ['two words'],
    ['.hidden'],
    ['tab\there'],
    ['quote"d'],
    ['x'.repeat(201)],
    [''],
  ])('network name %j', async (name) => {
    const err = await startNetwork(ctx(), net(name, 'virbr9')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).code).toBe('BAD_NAME');
    await expect(stopNetwork(ctx(), name)).rejects.toMatchObject({ code: 'BAD_NAME' });
    await expect(networkStatus(ctx(), name)).rejects.toMatchObject({ code: 'BAD_NAME' });
  });

  it('states the rule and a fix for a bad network name', async () => {
    await expect(stopNetwork(ctx(), 'a;reboot')).rejects.toThrow(
      new NetworkError(
        'BAD_NAME',
        `network name "a;reboot" cannot be used on a host: a running network's name becomes file names and dnsmasq configuration, so it may only use ASCII letters, digits, '_', '.', '+' and '-', starting with a letter, digit or '_'. Rename the network, e.g. 'lab-net'.`,
      ),
    );
  });

  it.each([
    ['br0;reboot', "interface names here are made of ASCII letters, digits, '_', '.' and '-', starting with a letter, digit or '_'"],
    ['verylongbridge00', 'it is 16 bytes long; Linux interface names have at most 15'],
    ['br/0', "interface names here are made of ASCII letters, digits, '_', '.' and '-', starting with a letter, digit or '_'"],
    ['br 0', "interface names here are made of ASCII letters, digits, '_', '.' and '-', starting with a letter, digit or '_'"],
    ['-br', "interface names here are made of ASCII letters, digits, '_', '.' and '-', starting with a letter, digit or '_'"],
    ['br"x', "interface names here are made of ASCII letters, digits, '_', '.' and '-', starting with a letter, digit or '_'"],
    ['..', "'..' is reserved by the kernel"],
  ])('bridge name %j', async (bridge, rule) => {
    await expect(startNetwork(ctx(), net('ok', bridge))).rejects.toThrow(
      new NetworkError('BAD_NAME', `bridge of network 'ok' name ${JSON.stringify(bridge)} cannot be used: ${rule}. Choose a name such as virbr1 or br-lab.`),
    );
    await expect(prepareInterfaceTap(host, { bridge }, 'vm', 0)).rejects.toMatchObject({ code: 'BAD_NAME' });
  });

  it('forward device names, run directories, and unsupported modes', async () => {
    const base = net('ok', 'virbr9');
    await expect(startNetwork(ctx(), { ...base, forward: { mode: 'nat', dev: 'eth0 up', interfaces: [{ dev: 'eth0 up' }] } })).rejects.toMatchObject({ code: 'BAD_NAME' });
    await expect(startNetwork({ transport: host, runDir: '/tmp/a b' }, base)).rejects.toMatchObject({ code: 'BAD_NAME' });
    await expect(startNetwork({ transport: host, runDir: '/run/../etc' }, base)).rejects.toMatchObject({ code: 'BAD_NAME' });
    const macvtap = applyNetworkDefaults(parseNetworkXml(`<network><name>mv</name><forward mode='passthrough' dev='eth0'/></network>`));
    await expect(startNetwork(ctx(), macvtap)).rejects.toThrow(
      new NetworkError('UNSUPPORTED', "network 'mv': forward mode='passthrough' (macvtap passthrough mode) is not supported by virtform's host executor. Use an isolated, nat, route or open network, or forward mode='bridge' with <bridge name='...'/>."),
    );
    const noBridge = applyNetworkDefaults(parseNetworkXml(`<network><name>nb</name><ip address='10.2.0.1' prefix='24'/></network>`));
    await expect(startNetwork(ctx(), noBridge)).rejects.toMatchObject({ code: 'INVALID' });
    await expect(updateNetworkHosts(ctx(), { ...base, name: '$(id)' })).rejects.toMatchObject({ code: 'BAD_NAME' });
  });

  it('tap owners, indexes, MACs, MTUs and users', async () => {
    const n = net('ok', 'virbr9');
    await expect(prepareInterfaceTap(host, n, 'web\n1', 0)).rejects.toThrow(
      new NetworkError('BAD_NAME', `domain name "web\\n1" cannot own a tap device: it contains a control character.`),
    );
    await expect(prepareInterfaceTap(host, n, 'web', -1)).rejects.toMatchObject({ code: 'BAD_NAME' });
    await expect(prepareInterfaceTap(host, n, 'web', 10000)).rejects.toMatchObject({ code: 'BAD_NAME' });
    await expect(prepareInterfaceTap(host, n, 'web', 1.5)).rejects.toMatchObject({ code: 'BAD_NAME' });
    await expect(prepareInterfaceTap(host, n, 'web', 0, { guestMac: '52:54:00:00:00:0g' })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(prepareInterfaceTap(host, n, 'web', 0, { mtu: 67 })).rejects.toMatchObject({ code: 'INVALID' });
    await expect(prepareInterfaceTap(host, n, 'web', 0, { user: 'qemu;id' })).rejects.toMatchObject({ code: 'BAD_NAME' });
    await expect(prepareInterfaceTap(host, net('a;b', 'virbr9'), 'web', 0)).rejects.toMatchObject({ code: 'BAD_NAME' });
    await expect(releaseInterfaceTap(host, '', 0)).rejects.toMatchObject({ code: 'BAD_NAME' });
  });
});
