import type { OrchEvent } from '@app/contracts';

export interface SlotState {
  slot: number;
  port: number;
  containerId: string;
}

export interface LeaseState {
  leaseId: string;
  slot: number;
  taskId: string;
  stageId: string;
  attempt: number;
  expiresAt: string;
}

export interface WaitingRequest {
  taskId: string;
  stageId: string;
  attempt: number;
  ttlS: number;
}

/** One pool folded from its subject: its slots, who holds which, who waits. */
export interface PoolState {
  slots: Record<number, SlotState>;
  leases: Record<string, LeaseState>;
  waiting: WaitingRequest[];
}

export const initialPoolState = (): PoolState => ({ slots: {}, leases: {}, waiting: [] });

export function evolvePool(state: PoolState, event: OrchEvent): PoolState {
  switch (event.type) {
    case 'PoolSlotReady': {
      const { slot, port, containerId } = event.data;
      return { ...state, slots: { ...state.slots, [slot]: { slot, port, containerId } } };
    }
    case 'LeaseQueued': {
      const { taskId, stageId, attempt, ttlS } = event.data;
      return { ...state, waiting: [...state.waiting, { taskId, stageId, attempt, ttlS }] };
    }
    case 'LeaseGranted': {
      const { leaseId, slot, taskId, stageId, attempt, expiresAt } = event.data;
      return {
        ...state,
        leases: { ...state.leases, [leaseId]: { leaseId, slot, taskId, stageId, attempt, expiresAt } },
        waiting: state.waiting.filter((request) => !(request.stageId === stageId && request.attempt === attempt)),
      };
    }
    case 'LeaseRenewed': {
      const lease = state.leases[event.data.leaseId];
      if (!lease) return state;
      return { ...state, leases: { ...state.leases, [lease.leaseId]: { ...lease, expiresAt: event.data.expiresAt } } };
    }
    case 'LeaseReleased':
    case 'LeaseExpired':
    case 'LeaseRevoked': {
      const { [event.data.leaseId]: _ended, ...leases } = state.leases;
      return { ...state, leases };
    }
    default:
      return state;
  }
}

/** Slots with no lease, lowest first. */
export function freeSlots(state: PoolState): SlotState[] {
  const taken = new Set(Object.values(state.leases).map((lease) => lease.slot));
  return Object.values(state.slots)
    .filter((slot) => !taken.has(slot.slot))
    .sort((a, b) => a.slot - b.slot);
}
