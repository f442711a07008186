import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: http.IncomingHttpHeaders;
  /** the raw body, as signed */
  body: string;
  at: number;
}

/** How the receiver answers the n-th request (1-based): a status, or `'hang'` (never answers until closed). */
export type WebhookAnswer = (request: number) => number | 'hang';

export interface WebhookReceiver {
  url: string;
  /** every request, in the order it arrived (a hanging one too) */
  received: ReceivedWebhook[];
  /** requests still waiting for an answer */
  hanging(): number;
  close(): Promise<void>;
}

/** A webhook receiver on the host's loopback, answering as `answer` says (200 by default). */
export async function webhookReceiver(answer: WebhookAnswer = () => 200): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const hung = new Set<http.ServerResponse>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const status = answer(received.length);
      if (status === 'hang') {
        hung.add(response);
        response.on('close', () => hung.delete(response));
        return;
      }
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    hanging: () => hung.size,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
