import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { sqlIn } from './check.expressions';
import { numberFromString } from './column.transformers';

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * One event sent to one webhook target (WEBHOOK_URLS): what was sent, how often it was
 * tried, and how it ended. Neither the URL (a Slack URL is itself a credential) nor the
 * signing secret is stored: `target` is the URL's origin, `targetKey` a hash of it.
 */
@Entity({ name: 'webhook_deliveries' })
@Check('webhook_deliveries_status_check', sqlIn('status', WEBHOOK_DELIVERY_STATUSES))
@Index('idx_webhook_deliveries_task', ['taskId', 'eventSeq'])
@Index('idx_webhook_deliveries_pending', ['targetKey', 'eventSeq'], { where: `status = 'pending'` })
export class WebhookDeliveryEntity {
  /** derived from the event's id and the target, so a redelivered event adds no second row */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'task_id', type: 'uuid' })
  taskId!: string;

  /** `waiting-for-approval`, `done`, `failed`, `pull-request-opened` */
  @Column({ type: 'varchar', length: 40 })
  event!: string;

  /** the event's stream sequence: each target gets its deliveries in this order */
  @Column({ name: 'event_seq', type: 'bigint', transformer: numberFromString })
  eventSeq!: number;

  @Column({ name: 'target_key', type: 'varchar', length: 64 })
  targetKey!: string;

  /** the target URL's origin, to show */
  @Column({ type: 'varchar', length: 300 })
  target!: string;

  /** the JSON body sent (before signing) */
  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 20 })
  status!: WebhookDeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode!: number | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  /** while a gateway is sending it: no other takes it before then */
  @Column({ name: 'claimed_until', type: 'timestamptz', nullable: true })
  claimedUntil!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;
}
