import { Injectable } from '@nestjs/common';

/** How one attempt ended: the receiver's status, or why there was none (refused, timed out). */
export type SendOutcome = { statusCode: number } | { error: string };

/** The one place the gateway makes outbound HTTP requests: a webhook delivery's POST. */
@Injectable()
export class WebhookSender {
  async post(url: URL, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendOutcome> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'orchestrator-manager-webhooks', ...headers },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      return { statusCode: response.status };
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      if (error instanceof Error && error.name === 'TimeoutError') return { error: `no answer within ${timeoutMs} ms` };
      return { error: `${error instanceof Error ? error.message : String(error)}${cause}` };
    }
  }
}
