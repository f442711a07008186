import { deterministicId } from '@app/contracts';
import type { PoolDecision } from './pool.decision';
import { evolvePool, freeSlots, type PoolState, type SlotState, type WaitingRequest } from './pool.state';

/** The lease a request gets on a slot; its id derives from the request, so a redelivery grants the same lease. */
export function grantDecision(poolId: string, slot: SlotState, request: WaitingRequest, now: Date): PoolDecision {
  return {
    type: 'LeaseGranted',
    data: {
      leaseId: deterministicId(request.requestId, 'lease'),
      poolId,
      slot: slot.slot,
      port: slot.port,
      containerId: slot.containerId,
      taskId: request.taskId,
      stageId: request.stageId,
      attempt: request.attempt,
      expiresAt: new Date(now.getTime() + request.ttlS * 1000).toISOString(),
      ttlS: request.ttlS,
    },
    causationId: request.requestId,
    correlationId: request.correlationId,
  };
}

/**
 * `decisions`, followed by the grants they make possible: while a slot is free and a
 * request waits, the first request gets the lowest free slot. Grants follow the state
 * the decisions leave, so a slot is never handed to two holders.
 */
export function settle(poolId: string, state: PoolState, decisions: PoolDecision[], now: Date): PoolDecision[] {
  const settled = [...decisions];
  let current = decisions.reduce(evolvePool, state);
  for (;;) {
    const request = current.waiting[0];
    const slot = freeSlots(current)[0];
    if (!request || !slot) return settled;
    const grant = grantDecision(poolId, slot, request, now);
    settled.push(grant);
    current = evolvePool(current, grant);
  }
}
