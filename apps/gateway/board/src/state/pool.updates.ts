import type { PoolUpdate } from '../contracts';
import { slotKey, type SlotRecord, type WaitingRecord } from './board.state';

interface PoolSlice {
  slots: Record<string, SlotRecord>;
  waiting: WaitingRecord[];
}

/**
 * Applies a pool-update the way the gateway's projection applies its event. The state is
 * read as a string: the pool's vocabulary grows (`released`, `resetting`, `down`,
 * `removed`), and a state this page does not know leaves the pool as it was.
 */
export function applyPoolUpdate(pool: PoolSlice, update: PoolUpdate): PoolSlice {
  const state: string = update.state;
  if (state === 'waiting') return { ...pool, waiting: enqueue(pool.waiting, update) };
  if (state === 'rejected') return { ...pool, waiting: dequeue(pool.waiting, update) };
  if (update.slot === undefined) return state === 'leased' ? { ...pool, slots: renew(pool.slots, update) } : pool;
  const key = slotKey(update.poolId, update.slot);
  switch (state) {
    case 'leased':
      return { slots: lease(pool.slots, update, update.slot), waiting: dequeue(pool.waiting, update) };
    case 'free':
      return { ...pool, slots: update.cause === 'PoolSlotReady' ? ready(pool.slots, update, update.slot) : endLease(pool.slots, key, update, null) };
    case 'released':
      return { ...pool, slots: endLease(pool.slots, key, update, null) };
    case 'resetting':
      return { ...pool, slots: endLease(pool.slots, key, update, 'resetting') };
    case 'down':
      return { ...pool, slots: down(pool.slots, key, update, update.slot) };
    case 'removed':
      return { ...pool, slots: without(pool.slots, key) };
    default:
      return pool;
  }
}

function lease(slots: Record<string, SlotRecord>, update: PoolUpdate, slot: number): Record<string, SlotRecord> {
  const key = slotKey(update.poolId, slot);
  const existing = slots[key];
  const record: SlotRecord = {
    poolId: update.poolId,
    slot,
    port: update.port ?? existing?.port ?? null,
    containerId: update.containerId ?? existing?.containerId ?? null,
    state: 'leased',
    lease: {
      leaseId: update.leaseId ?? '',
      taskId: update.taskId ?? null,
      stageId: update.stageId ?? null,
      attempt: update.attempt ?? null,
      expiresAt: update.leaseExpiresAt ?? null,
    },
    reason: null,
  };
  return { ...slots, [key]: record };
}

function renew(slots: Record<string, SlotRecord>, update: PoolUpdate): Record<string, SlotRecord> {
  const entry = Object.entries(slots).find(([, slot]) => slot.poolId === update.poolId && slot.lease !== null && slot.lease.leaseId === update.leaseId);
  if (!entry) return slots;
  const [key, slot] = entry;
  if (slot.lease === null) return slots;
  return { ...slots, [key]: { ...slot, lease: { ...slot.lease, expiresAt: update.leaseExpiresAt ?? slot.lease.expiresAt } } };
}

/** A slot whose container is ready: free, unless a lease still holds it. */
function ready(slots: Record<string, SlotRecord>, update: PoolUpdate, slot: number): Record<string, SlotRecord> {
  const key = slotKey(update.poolId, slot);
  const existing = slots[key];
  const lease = existing?.lease ?? null;
  const record: SlotRecord = {
    poolId: update.poolId,
    slot,
    port: update.port ?? existing?.port ?? null,
    containerId: update.containerId ?? existing?.containerId ?? null,
    state: lease === null ? 'free' : 'leased',
    lease,
    reason: null,
  };
  return { ...slots, [key]: record };
}

/** The slot's lease ended: it is free again (or `then`), unless it is down; another lease's end changes nothing. */
function endLease(slots: Record<string, SlotRecord>, key: string, update: PoolUpdate, then: 'resetting' | null): Record<string, SlotRecord> {
  const existing = slots[key];
  if (!existing || (existing.lease !== null && update.leaseId !== undefined && existing.lease.leaseId !== update.leaseId)) return slots;
  const state = then ?? (existing.state === 'leased' ? 'free' : existing.state);
  return { ...slots, [key]: { ...existing, state, lease: null } };
}

/** The slot's container is lost and being replaced. */
function down(slots: Record<string, SlotRecord>, key: string, update: PoolUpdate, slot: number): Record<string, SlotRecord> {
  const existing = slots[key];
  const record: SlotRecord = {
    poolId: update.poolId,
    slot,
    port: existing?.port ?? update.port ?? null,
    containerId: update.containerId ?? existing?.containerId ?? null,
    state: 'down',
    lease: existing?.lease ?? null,
    reason: update.reason ?? null,
  };
  return { ...slots, [key]: record };
}

function without(slots: Record<string, SlotRecord>, key: string): Record<string, SlotRecord> {
  const next = { ...slots };
  delete next[key];
  return next;
}

function enqueue(waiting: WaitingRecord[], update: PoolUpdate): WaitingRecord[] {
  if (update.taskId === undefined || update.stageId === undefined || update.attempt === undefined) return waiting;
  const others = waiting.filter((entry) => !sameRequest(entry, update));
  const record: WaitingRecord = { poolId: update.poolId, taskId: update.taskId, stageId: update.stageId, attempt: update.attempt, position: update.position ?? others.length + 1 };
  return [...others, record].sort((a, b) => a.position - b.position);
}

/** The request leaves the queue; those behind it move up. */
function dequeue(waiting: WaitingRecord[], update: PoolUpdate): WaitingRecord[] {
  const leaving = waiting.find((entry) => sameRequest(entry, update));
  if (!leaving) return waiting;
  return waiting
    .filter((entry) => entry !== leaving)
    .map((entry) => (entry.poolId === leaving.poolId && entry.position > leaving.position ? { ...entry, position: entry.position - 1 } : entry));
}

function sameRequest(entry: WaitingRecord, update: PoolUpdate): boolean {
  return entry.poolId === update.poolId && entry.stageId === update.stageId && entry.attempt === update.attempt;
}
