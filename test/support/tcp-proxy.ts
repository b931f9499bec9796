/**
 * A TCP relay on 127.0.0.1 between a client and a test server, so tests can cut a live
 * connection (`cut()`: both sockets destroyed, as a reset would) or freeze it (`freeze()`:
 * bytes stop flowing but nothing closes, as in a silent network partition).
 */
import * as net from 'net';

export interface TcpProxy {
  readonly port: number;
  /** Destroys every relayed connection. */
  cut(): void;
  /** Stops relaying bytes on every connection without closing anything. */
  freeze(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs: [net.Socket, net.Socket][] = [];
  let frozen = false;
  const server = net.createServer((client) => {
    const upstream = net.createConnection(targetPort, '127.0.0.1');
    pairs.push([client, upstream]);
    const relay = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (b) => {
        if (!frozen) to.write(b);
      });
      from.on('end', () => to.end());
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    };
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut: () => pairs.forEach(([a, b]) => (a.destroy(), b.destroy())),
    freeze: () => {
      frozen = true;
    },
    close: () => {
      pairs.forEach(([a, b]) => (a.destroy(), b.destroy()));
      return new Promise((r) => server.close(() => r()));
    },
  };
}
