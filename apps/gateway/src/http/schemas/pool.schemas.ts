import { z } from 'zod';
import { POOL_SLOT_STATES, type LeaseRequestEntity, type PoolSlotEntity } from '@app/persistence';
import { isoTime, responseSchemas } from './common.schemas';

const slotSchema = z.object({
  poolId: z.string(),
  slot: z.number().int(),
  port: z.number().int(),
  containerId: z.string(),
  driver: z.enum(['docker', 'local']),
  state: z.enum(POOL_SLOT_STATES),
  lease: z
    .object({ leaseId: z.uuid(), taskId: z.uuid(), stageId: z.uuid(), attempt: z.number().int(), expiresAt: isoTime })
    .nullable(),
  updatedAt: isoTime,
});

const waitingSchema = z.object({
  poolId: z.string(),
  taskId: z.uuid(),
  stageId: z.uuid(),
  attempt: z.number().int(),
  position: z.number().int().meta({ description: '1 = next to be granted a slot' }),
  since: isoTime,
});

export const poolViewSchema = z
  .object({
    slots: z.array(slotSchema),
    waiting: z.array(waitingSchema),
    total: z.number().int(),
    leased: z.number().int(),
    utilization: z.number().meta({ description: 'leased ÷ total, 0 when the pool has no slot' }),
  })
  .register(responseSchemas, { id: 'Pool' });
export type PoolView = z.infer<typeof poolViewSchema>;
export type SlotView = z.infer<typeof slotSchema>;
export type WaitingView = z.infer<typeof waitingSchema>;

export function toPoolView(rows: { slots: PoolSlotEntity[]; waiting: LeaseRequestEntity[] }): PoolView {
  const slots: SlotView[] = rows.slots.map((slot) => ({
    poolId: slot.poolId,
    slot: slot.slot,
    port: slot.port,
    containerId: slot.containerId,
    driver: slot.driver,
    state: slot.state,
    lease:
      slot.leaseId === null || slot.taskId === null || slot.stageId === null || slot.attempt === null || slot.leaseExpiresAt === null
        ? null
        : { leaseId: slot.leaseId, taskId: slot.taskId, stageId: slot.stageId, attempt: slot.attempt, expiresAt: slot.leaseExpiresAt.toISOString() },
    updatedAt: slot.updatedAt.toISOString(),
  }));
  const positions = new Map<string, number>();
  const waiting: WaitingView[] = rows.waiting.map((request) => {
    const position = (positions.get(request.poolId) ?? 0) + 1;
    positions.set(request.poolId, position);
    return { poolId: request.poolId, taskId: request.taskId, stageId: request.stageId, attempt: request.attempt, position, since: request.queuedAt.toISOString() };
  });
  const leased = slots.filter((slot) => slot.state === 'leased').length;
  return { slots, waiting, total: slots.length, leased, utilization: slots.length === 0 ? 0 : leased / slots.length };
}
