import { z } from 'zod';
import { responseSchemas } from './common.schemas';

export const healthReportSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    nats: z.enum(['up', 'down']),
    postgres: z.enum(['up', 'down']),
    projection: z.object({
      lastApplied: z.number().int(),
      lag: z.number().int().nullable().meta({ description: 'events in ORCH_EVENTS not yet applied; null while NATS is down' }),
      stalled: z.string().nullable().meta({ description: 'why the projection is not advancing, once events have waited GATEWAY_HEALTH_STALL_S; null while it keeps up' }),
      stalledForS: z.number().int().meta({ description: 'seconds the events handed to the projection have waited unapplied; 0 while none waits' }),
    }),
    reasons: z.array(z.string()).meta({ description: 'what is wrong, when degraded' }),
  })
  .register(responseSchemas, { id: 'Health' });
export type HealthReport = z.infer<typeof healthReportSchema>;
