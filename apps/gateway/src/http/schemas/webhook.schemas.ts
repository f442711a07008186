import { z } from 'zod';
import { WEBHOOK_DELIVERY_STATUSES, type WebhookDeliveryEntity } from '@app/persistence';
import { WEBHOOK_EVENTS } from '../../webhooks/webhook.notification';
import { isoTime, responseSchemas } from './common.schemas';

export const webhookDeliveryViewSchema = z
  .object({
    id: z.uuid().meta({ description: 'also sent as X-Orchestrator-Delivery' }),
    taskId: z.uuid(),
    event: z.string().meta({ description: WEBHOOK_EVENTS.join(', ') }),
    target: z.string().meta({ description: "the target URL's origin (the URL itself may be a credential)" }),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: isoTime.nullable().meta({ description: 'while pending: when it is tried again' }),
    createdAt: isoTime,
    deliveredAt: isoTime.nullable(),
  })
  .register(responseSchemas, { id: 'WebhookDelivery' });
export type WebhookDeliveryView = z.infer<typeof webhookDeliveryViewSchema>;

export function toWebhookDeliveryView(row: WebhookDeliveryEntity): WebhookDeliveryView {
  return {
    id: row.id,
    taskId: row.taskId,
    event: row.event,
    target: row.target,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
    deliveredAt: row.deliveredAt === null ? null : row.deliveredAt.toISOString(),
  };
}
