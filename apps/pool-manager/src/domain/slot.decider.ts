import { settle } from './grants';
import type { PoolDecision } from './pool.decision';
import { leaseOnSlot, type PoolState } from './pool.state';

/** A slot as a driver brought it up. */
export interface ReadySlot {
  slot: number;
  port: number;
  containerId: string;
  driver: 'docker' | 'local';
}

/** A slot's container is up (created, adopted, reset or replaced): ready, and handed to the first waiter. */
export function decideSlotReady(poolId: string, ready: ReadySlot, state: PoolState, now: Date): PoolDecision[] {
  const known = state.slots[ready.slot];
  const unchanged =
    known !== undefined &&
    known.status === 'ready' &&
    known.port === ready.port &&
    known.containerId === ready.containerId &&
    known.driver === ready.driver;
  return settle(poolId, state, unchanged ? [] : [{ type: 'PoolSlotReady', data: { poolId, ...ready } }], now);
}

/** A slot's container is lost: the lease on it is revoked (its holder retries) and the slot is down until replaced. */
export function decideSlotDown(poolId: string, slot: number, reason: string, state: PoolState): PoolDecision[] {
  const known = state.slots[slot];
  if (!known) return [];
  const decisions: PoolDecision[] = revokeLeaseOn(poolId, slot, reason, state);
  if (known.status !== 'down') {
    decisions.push({ type: 'PoolSlotDown', data: { poolId, slot, containerId: known.containerId, reason } });
  }
  return decisions;
}

/** A slot beyond the pool's size leaves the pool; a lease on it is revoked. */
export function decideSlotRemoved(poolId: string, slot: number, reason: string, state: PoolState): PoolDecision[] {
  const known = state.slots[slot];
  if (!known) return [];
  return [...revokeLeaseOn(poolId, slot, reason, state), { type: 'PoolSlotRemoved', data: { poolId, slot, containerId: known.containerId, reason } }];
}

function revokeLeaseOn(poolId: string, slot: number, reason: string, state: PoolState): PoolDecision[] {
  const lease = leaseOnSlot(state, slot);
  if (!lease) return [];
  const { leaseId, taskId, stageId } = lease;
  return [{ type: 'LeaseRevoked', data: { leaseId, poolId, slot, taskId, stageId, reason } }];
}
