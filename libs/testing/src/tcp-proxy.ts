import net from 'node:net';

/** A TCP proxy a test can cut and restore, to take a dependency "down" for one app only. */
export interface TcpProxy {
  port: number;
  /** `<scheme>://127.0.0.1:<port>` */
  url(scheme: string): string;
  /** connections accepted so far, per target (in the order the targets were given) */
  readonly served: readonly number[];
  /** drops every connection and refuses new ones */
  cut(): Promise<void>;
  /** accepts connections again, on the same port */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export interface TcpTarget {
  host: string;
  port: number;
}

export function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  return startTcpBalancer([{ host: targetHost, port: targetPort }]);
}

/**
 * One address in front of several servers, as a load balancer without sticky sessions:
 * each new connection goes to the next target in turn.
 */
export async function startTcpBalancer(targets: readonly TcpTarget[]): Promise<TcpProxy> {
  if (targets.length === 0) throw new Error('a TCP balancer needs a target');
  const sockets = new Set<net.Socket>();
  const served = targets.map(() => 0);
  let next = 0;
  const server = net.createServer((client) => {
    const index = next;
    next = (next + 1) % targets.length;
    served[index] = (served[index] ?? 0) + 1;
    const target = targets[index] as TcpTarget;
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: (scheme) => `${scheme}://127.0.0.1:${port}`,
    served,
    cut: stop,
    restore: () => listen(port),
    close: stop,
  };
}
