import { z } from 'zod';
import { STAGE_TYPES, TASK_STATUSES } from '@app/contracts';
import type { TaskEntity } from '@app/persistence';
import { isoTime, requestSchemas, responseSchemas, uuidParam } from './common.schemas';
import { lineText, proseText } from './text.rules';

export const startRequestSchema = z
  .object({ taskId: uuidParam })
  .strict()
  .register(requestSchemas, { id: 'StartRequest' });

export const cancelRequestSchema = z
  .object({ reason: proseText(z.string('must be a string').trim().min(1, 'must not be empty').max(500, 'must be at most 500 characters')).default('cancelled by a user') })
  .strict()
  .register(requestSchemas, { id: 'CancelRequest' });

/** `Idempotency-Key`: the same key for the same task sends the same command (JetStream drops the copy). */
export const idempotencyKeySchema = lineText(z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters')).optional();

export const startReplySchema = z
  .object({
    orchestrationId: z.uuid(),
    taskId: z.uuid(),
    currentStage: z.enum(STAGE_TYPES),
    status: z.enum(['running', 'queued', 'pending']).meta({
      description: 'the orchestrator admitted the task (running), queued it (with its position), or had not decided within the wait (pending)',
    }),
    position: z.number().int().optional().meta({ description: '1 = next to be admitted; with status queued' }),
  })
  .register(responseSchemas, { id: 'StartReply' });
export type StartReply = z.infer<typeof startReplySchema>;

export const cancelReplySchema = z
  .object({ taskId: z.uuid(), status: z.enum(['cancelled', 'cancelling']) })
  .register(responseSchemas, { id: 'CancelReply' });
export type CancelReply = z.infer<typeof cancelReplySchema>;

export const retryReplySchema = z
  .object({
    stageId: z.uuid(),
    taskId: z.uuid(),
    status: z.enum(['running', 'queued', 'pending']),
    position: z.number().int().optional(),
  })
  .register(responseSchemas, { id: 'RetryReply' });
export type RetryReply = z.infer<typeof retryReplySchema>;

const queueEntrySchema = z.object({
  taskId: z.uuid(),
  title: z.string(),
  status: z.enum(TASK_STATUSES),
  orchestrationId: z.uuid().nullable(),
  currentStage: z.enum(STAGE_TYPES).nullable(),
  position: z.number().int().nullable().meta({ description: '1 = next to be admitted; null for a running task' }),
  since: isoTime.meta({ description: 'when the task last changed' }),
});

export const queueViewSchema = z
  .object({
    running: z.array(queueEntrySchema),
    queued: z.array(queueEntrySchema),
    seq: z.number().int().meta({ description: 'the projection checkpoint the queue was read at' }),
  })
  .register(responseSchemas, { id: 'Queue' });
export type QueueView = z.infer<typeof queueViewSchema>;
export type QueueEntry = z.infer<typeof queueEntrySchema>;

export function toQueueEntry(task: TaskEntity): QueueEntry {
  return {
    taskId: task.id,
    title: task.title,
    status: task.status,
    orchestrationId: task.orchestrationId,
    currentStage: task.currentStage,
    position: task.queuePosition,
    since: task.updatedAt.toISOString(),
  };
}
