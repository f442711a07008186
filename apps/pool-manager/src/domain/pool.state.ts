import { deterministicId, type EventType, type MessageData } from '@app/contracts';

/** ready: leasable when no lease is on it; resetting: after an expiry; down: its container is being replaced */
export type SlotStatus = 'ready' | 'resetting' | 'down';

export interface SlotState {
  slot: number;
  port: number;
  /** Docker container id, or `local-<slot>` */
  containerId: string;
  driver: 'docker' | 'local';
  status: SlotStatus;
}

export interface LeaseState {
  leaseId: string;
  slot: number;
  taskId: string;
  stageId: string;
  attempt: number;
  expiresAt: string;
  /** seconds a renewal extends the lease by; null when the grant did not record it */
  ttlS: number | null;
}

/** A lease request waiting for a slot; `requestId` is the AcquireLease it came from. */
export interface WaitingRequest {
  requestId: string;
  correlationId: string;
  taskId: string;
  stageId: string;
  attempt: number;
  ttlS: number;
}

/** One pool folded from its subject: its slots, who holds which, who waits (first come first). */
export interface PoolState {
  slots: Record<number, SlotState>;
  leases: Record<string, LeaseState>;
  waiting: WaitingRequest[];
}

/**
 * What the fold reads of an event: its type and data, and for a queued request the
 * message it answers. A stored envelope is one; so is a decision not yet appended.
 */
export type PoolFact = {
  [T in EventType]: { type: T; data: MessageData<T>; id?: string; causationId?: string | null; correlationId?: string };
}[EventType];

export const initialPoolState = (): PoolState => ({ slots: {}, leases: {}, waiting: [] });

export function evolvePool(state: PoolState, event: PoolFact): PoolState {
  switch (event.type) {
    case 'PoolSlotReady': {
      const { slot, port, containerId, driver } = event.data;
      return { ...state, slots: { ...state.slots, [slot]: { slot, port, containerId, driver, status: 'ready' } } };
    }
    case 'PoolSlotDown':
      return withSlotStatus(state, event.data.slot, 'down');
    case 'PoolSlotRemoved': {
      const { [event.data.slot]: _removed, ...slots } = state.slots;
      return { ...state, slots };
    }
    case 'LeaseQueued': {
      const { taskId, stageId, attempt, ttlS } = event.data;
      const requestId = event.causationId ?? event.id ?? deterministicId(stageId, attempt);
      const waiter: WaitingRequest = { requestId, correlationId: event.correlationId ?? requestId, taskId, stageId, attempt, ttlS };
      return { ...state, waiting: [...state.waiting, waiter] };
    }
    case 'LeaseGranted': {
      const { leaseId, slot, taskId, stageId, attempt, expiresAt, ttlS } = event.data;
      return {
        ...state,
        leases: { ...state.leases, [leaseId]: { leaseId, slot, taskId, stageId, attempt, expiresAt, ttlS: ttlS ?? null } },
        waiting: state.waiting.filter((request) => !(request.stageId === stageId && request.attempt === attempt)),
      };
    }
    case 'LeaseRenewed': {
      const lease = state.leases[event.data.leaseId];
      if (!lease) return state;
      return { ...state, leases: { ...state.leases, [lease.leaseId]: { ...lease, expiresAt: event.data.expiresAt } } };
    }
    case 'LeaseReleased':
    case 'LeaseRevoked':
      return withoutLease(state, event.data.leaseId);
    case 'LeaseExpired':
      return withSlotStatus(withoutLease(state, event.data.leaseId), event.data.slot, 'resetting');
    default:
      return state;
  }
}

function withoutLease(state: PoolState, leaseId: string): PoolState {
  const { [leaseId]: _ended, ...leases } = state.leases;
  return { ...state, leases };
}

function withSlotStatus(state: PoolState, slot: number, status: SlotStatus): PoolState {
  const known = state.slots[slot];
  if (!known) return state;
  return { ...state, slots: { ...state.slots, [slot]: { ...known, status } } };
}

/** The lease on `slot`, if any (there is never more than one). */
export function leaseOnSlot(state: PoolState, slot: number): LeaseState | undefined {
  return Object.values(state.leases).find((lease) => lease.slot === slot);
}

/** Ready slots with no lease, lowest first. */
export function freeSlots(state: PoolState): SlotState[] {
  const taken = new Set(Object.values(state.leases).map((lease) => lease.slot));
  return Object.values(state.slots)
    .filter((slot) => slot.status === 'ready' && !taken.has(slot.slot))
    .sort((a, b) => a.slot - b.slot);
}
