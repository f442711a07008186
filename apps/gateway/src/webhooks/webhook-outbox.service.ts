import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '@app/config';
import { TaskEntity, WebhookDeliveryEntity } from '@app/persistence';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { deliveryIdOf, retryDelayMs, targetKeyOf, targetLabelOf, webhookBody, type WebhookNotification } from './webhook.notification';
import type { SendOutcome } from './webhook.sender';

/** A delivery due to be sent, with the URL it goes to (from the configuration, never from the table). */
export interface DueDelivery {
  row: WebhookDeliveryEntity;
  url: URL | null;
}

/** seconds a delivery is held by the gateway sending it beyond the receiver's timeout, before another may take it */
const CLAIM_MARGIN_MS = 5_000;

/**
 * The deliveries table as an outbox: a notification becomes one row per target, in the
 * order of the events; rows are claimed, sent and recorded by WebhookDeliveryWorker. Each
 * target gets its deliveries in order: a row is due only when no earlier one to the same
 * target is still pending.
 */
@Injectable()
export class WebhookOutbox {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Adds the notification's deliveries (once per event and target: a redelivered event adds none). */
  async add(notification: WebhookNotification, eventSeq: number): Promise<void> {
    const task = await this.dataSource.getRepository(TaskEntity).findOne({ where: { id: notification.taskId }, select: { id: true, title: true } });
    const now = this.clock.now();
    for (const url of this.config.webhooks.urls) {
      const targetKey = targetKeyOf(url.href);
      const id = deliveryIdOf(notification.eventId, targetKey);
      const payload = webhookBody(notification, { id: notification.taskId, title: task?.title ?? null }, this.config.webhooks.boardPublicUrl, url, id);
      await this.dataSource.query(
        `INSERT INTO webhook_deliveries (id, task_id, event, event_seq, target_key, target, payload, status, attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8) ON CONFLICT (id) DO NOTHING`,
        [id, notification.taskId, notification.event, eventSeq, targetKey, targetLabelOf(url), JSON.stringify(payload), now],
      );
    }
  }

  /** Claims the deliveries due now: at most one per target, the earliest pending of each. */
  async claimDue(limit = 20): Promise<DueDelivery[]> {
    const now = this.clock.now();
    const claimedUntil = new Date(now.getTime() + this.config.webhooks.timeoutMs + CLAIM_MARGIN_MS);
    const result: unknown = await this.dataSource.query(
      `UPDATE webhook_deliveries SET claimed_until = $2 WHERE id IN (
         SELECT d.id FROM webhook_deliveries d
          WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND (d.claimed_until IS NULL OR d.claimed_until < $1)
            AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.target_key = d.target_key AND e.status = 'pending' AND e.event_seq < d.event_seq)
          ORDER BY d.event_seq LIMIT $3 FOR UPDATE SKIP LOCKED)
       RETURNING id`,
      [now, claimedUntil, limit],
    );
    const ids = returnedRows(result);
    if (ids.length === 0) return [];
    const rows = await this.dataSource.getRepository(WebhookDeliveryEntity).find({ where: ids.map(({ id }) => ({ id })), order: { eventSeq: 'ASC' } });
    const urls = new Map(this.config.webhooks.urls.map((url) => [targetKeyOf(url.href), url]));
    return rows.map((row) => ({ row, url: urls.get(row.targetKey) ?? null }));
  }

  /** Records an attempt: delivered on a 2xx; else pending again after a backoff, or failed once the attempts are spent. */
  async record(row: WebhookDeliveryEntity, outcome: SendOutcome): Promise<WebhookDeliveryEntity['status']> {
    const attempts = row.attempts + 1;
    const now = this.clock.now();
    const delivered = 'statusCode' in outcome && outcome.statusCode >= 200 && outcome.statusCode < 300;
    const error = 'error' in outcome ? outcome.error : delivered ? null : `answered ${outcome.statusCode}`;
    const status = delivered ? 'delivered' : attempts >= this.config.webhooks.maxAttempts ? 'failed' : 'pending';
    const nextAttemptAt = new Date(now.getTime() + retryDelayMs(attempts, this.config.webhooks.retryBaseMs));
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET status = $2, attempts = $3, last_status_code = $4, last_error = $5, next_attempt_at = $6, claimed_until = NULL, delivered_at = $7 WHERE id = $1`,
      [row.id, status, attempts, 'statusCode' in outcome ? outcome.statusCode : null, error, nextAttemptAt, delivered ? now : null],
    );
    return status;
  }

  /** A delivery whose target was taken out of WEBHOOK_URLS since: it can never be sent. */
  async abandon(row: WebhookDeliveryEntity): Promise<void> {
    await this.dataSource.query(`UPDATE webhook_deliveries SET status = 'failed', last_error = $2, claimed_until = NULL WHERE id = $1`, [row.id, 'its target is no longer in WEBHOOK_URLS']);
  }

  /** A task's deliveries, in the order of its events. */
  forTask(taskId: string): Promise<WebhookDeliveryEntity[]> {
    return this.dataSource.getRepository(WebhookDeliveryEntity).find({ where: { taskId }, order: { eventSeq: 'ASC', target: 'ASC' } });
  }
}

/** The rows an UPDATE … RETURNING gave back (TypeORM answers `[rows, count]` for an UPDATE). */
function returnedRows(result: unknown): Array<{ id: string }> {
  const rows = Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as unknown[]) : Array.isArray(result) ? result : [];
  return rows.filter((row): row is { id: string } => typeof row === 'object' && row !== null && 'id' in row && typeof row.id === 'string');
}
