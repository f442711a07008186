import { deterministicId, type MessageOf } from '@app/contracts';
import type { SlotDescription } from '../drivers/pool-driver';
import { freeSlots, type PoolState, type SlotState, type WaitingRequest } from './pool.state';

type LeaseEvent = {
  [T in 'PoolSlotReady' | 'LeaseGranted' | 'LeaseQueued' | 'LeaseReleased' | 'LeaseRenewed']: { type: T; data: MessageOf<T>['data'] };
}['PoolSlotReady' | 'LeaseGranted' | 'LeaseQueued' | 'LeaseReleased' | 'LeaseRenewed'];

/** The slots the driver brought up, recorded where the log does not know them yet. */
export function decideSlotsReady(poolId: string, driver: 'docker' | 'local', slots: SlotDescription[], state: PoolState): LeaseEvent[] {
  return slots
    .filter((slot) => {
      const known = state.slots[slot.slot];
      return !known || known.port !== slot.port || known.containerId !== slot.containerId;
    })
    .map((slot) => ({ type: 'PoolSlotReady', data: { poolId, driver, ...slot } }));
}

/**
 * AcquireLease → a lease on the lowest free slot, or a place in the queue. First come,
 * first served; a request already granted or queued is not served twice.
 */
export function decideAcquire(command: MessageOf<'AcquireLease'>, poolId: string, state: PoolState, now: Date): LeaseEvent[] {
  const { taskId, stageId, attempt, ttlS } = command.data;
  const alreadyHeld = Object.values(state.leases).some((lease) => lease.stageId === stageId && lease.attempt === attempt);
  const alreadyWaiting = state.waiting.some((request) => request.stageId === stageId && request.attempt === attempt);
  if (alreadyHeld || alreadyWaiting) return [];
  const slot = state.waiting.length === 0 ? freeSlots(state)[0] : undefined;
  if (slot) return [grant(poolId, slot, { taskId, stageId, attempt, ttlS }, deterministicId(command.id, 'lease'), now)];
  return [{ type: 'LeaseQueued', data: { poolId, taskId, stageId, attempt, ttlS, position: state.waiting.length + 1 } }];
}

/** ReleaseLease → the slot is free again, and goes to the first waiter. */
export function decideRelease(command: MessageOf<'ReleaseLease'>, poolId: string, state: PoolState, now: Date): LeaseEvent[] {
  const lease = state.leases[command.data.leaseId];
  if (!lease) return [];
  const released: LeaseEvent = {
    type: 'LeaseReleased',
    data: { leaseId: lease.leaseId, poolId, slot: lease.slot, taskId: lease.taskId, stageId: lease.stageId },
  };
  const next = state.waiting[0];
  const slot = state.slots[lease.slot];
  if (!next || !slot) return [released];
  return [released, grant(poolId, slot, next, deterministicId(command.id, 'lease', next.stageId, next.attempt), now)];
}

/** RenewLease → the lease lives another TTL from now. */
export function decideRenew(command: MessageOf<'RenewLease'>, poolId: string, state: PoolState, ttlS: number, now: Date): LeaseEvent[] {
  const lease = state.leases[command.data.leaseId];
  if (!lease) return [];
  return [{ type: 'LeaseRenewed', data: { leaseId: lease.leaseId, poolId, expiresAt: new Date(now.getTime() + ttlS * 1000).toISOString() } }];
}

function grant(poolId: string, slot: SlotState, request: WaitingRequest, leaseId: string, now: Date): LeaseEvent {
  return {
    type: 'LeaseGranted',
    data: {
      leaseId,
      poolId,
      slot: slot.slot,
      port: slot.port,
      containerId: slot.containerId,
      taskId: request.taskId,
      stageId: request.stageId,
      attempt: request.attempt,
      expiresAt: new Date(now.getTime() + request.ttlS * 1000).toISOString(),
    },
  };
}
