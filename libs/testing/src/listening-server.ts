import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListeningServer {
  port: number;
  url: string;
  /** `METHOD /path` of every request, in order */
  requests: string[];
  close(): Promise<void>;
}

/** An HTTP server on the host's loopback that answers every request with `name` and counts them (a slot, the model API, a host service). */
export async function listeningServer(name: string): Promise<ListeningServer> {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    request.resume();
    response.end(name);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
