import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { SIGNATURE_HEADER, signatureOf } from './webhook.notification';
import { WebhookOutbox, type DueDelivery } from './webhook-outbox.service';
import { WebhookSender } from './webhook.sender';

/** milliseconds between looks for due deliveries when nothing woke the worker */
const POLL_MS = 250;

/**
 * Sends the outbox's due deliveries, each in its own promise: a receiver that hangs holds
 * only its own target's queue (until WEBHOOK_TIMEOUT_MS), never another target, the
 * projection or the pipeline. Several gateways may run it: a delivery is claimed first.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private timer: NodeJS.Timeout | null = null;
  private polling = false;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly sender: WebhookSender,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.webhooks.urls.length === 0) return;
    this.logger.log(`Webhooks to ${this.config.webhooks.urls.map((url) => url.origin).join(', ')}${this.config.webhooks.secret === null ? ' (unsigned: WEBHOOK_SECRET is not set)' : ''}`);
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // a send in flight ends by its timeout; its claim lapses and another gateway (or the next start) sends it again
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  }

  /** Looks for due deliveries now (a notification was just added). */
  wake(): void {
    if (!this.stopped && this.config.webhooks.urls.length > 0) this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), delayMs);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      for (const due of await this.outbox.claimDue()) this.track(this.send(due));
    } catch (error) {
      this.logger.warn(`Could not read the webhook deliveries: ${(error as Error).message}`);
    } finally {
      this.polling = false;
      if (!this.stopped) this.schedule(POLL_MS);
    }
  }

  private track(sending: Promise<void>): void {
    this.inFlight.add(sending);
    void sending.finally(() => {
      this.inFlight.delete(sending);
      this.wake();
    });
  }

  private async send({ row, url }: DueDelivery): Promise<void> {
    try {
      if (url === null) {
        await this.outbox.abandon(row);
        return;
      }
      const body = JSON.stringify(row.payload);
      const { secret, timeoutMs } = this.config.webhooks;
      const headers: Record<string, string> = { 'X-Orchestrator-Event': row.event, 'X-Orchestrator-Delivery': row.id, ...(secret === null ? {} : { [SIGNATURE_HEADER]: signatureOf(secret, body) }) };
      const outcome = await this.sender.post(url, body, headers, timeoutMs);
      const status = await this.outbox.record(row, outcome);
      const how = 'statusCode' in outcome ? `answered ${outcome.statusCode}` : outcome.error;
      if (status === 'failed') this.logger.error(`Webhook ${row.event} of task ${row.taskId} to ${row.target} failed after ${row.attempts + 1} attempts (${how})`);
      else if (status === 'pending') this.logger.warn(`Webhook ${row.event} of task ${row.taskId} to ${row.target} ${how}; retrying (attempt ${row.attempts + 1} of ${this.config.webhooks.maxAttempts})`);
    } catch (error) {
      this.logger.warn(`Could not record the webhook delivery ${row.id}: ${(error as Error).message}`);
    }
  }
}
