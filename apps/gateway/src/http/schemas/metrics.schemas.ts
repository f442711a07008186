import { z } from 'zod';
import type { MetricsSnapshot } from '@app/contracts';
import { responseSchemas } from './common.schemas';

const stageStatsSchema = z.object({
  completed: z.number().int(),
  failed: z.number().int().meta({ description: 'failed or timed out' }),
  cancelled: z.number().int(),
  averageDurationMs: z.number().nullable().meta({ description: 'milliseconds from start to end over the finished runs' }),
});

export const metricsSnapshotSchema: z.ZodType<MetricsSnapshot> = z
  .object({
    seq: z.number().int().meta({ description: 'the projection checkpoint the snapshot was taken at' }),
    activeOrchestrations: z.number().int(),
    queueDepth: z.number().int(),
    stages: z.object({ specification: stageStatsSchema, implementation: stageStatsSchema, qa: stageStatsSchema }),
    stageCompletionRate: z.number().nullable().meta({ description: 'completed ÷ (completed + failed) over all stage runs' }),
    containers: z.object({ total: z.number().int(), leased: z.number().int(), utilization: z.number() }),
    deadLetters: z.number().int(),
    projection: z.object({ lastApplied: z.number().int(), lag: z.number().int().nullable() }),
    pausedCredentials: z
      .array(z.object({ credential: z.string(), until: z.iso.datetime({ offset: true }) }))
      .meta({ description: "credentials dispatch is paused on (a stage parked on the model API's rate or usage limit), until when: queued tasks are admitted after" }),
  })
  .register(responseSchemas, { id: 'Metrics' });
