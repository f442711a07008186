import type { MessageData } from '@app/contracts';
import { leaseOnSlot, type PoolState } from './pool.state';

type PoolStatus = MessageData<'PoolStatusReported'>;

/** What a board shows of the pool: each slot's state, container, port and holder, and the utilisation. */
export function poolStatusOf(poolId: string, driver: 'docker' | 'local', state: PoolState, poolSequence: number, now: Date): PoolStatus {
  const slots = Object.values(state.slots)
    .sort((a, b) => a.slot - b.slot)
    .map((slot): PoolStatus['slots'][number] => {
      const lease = leaseOnSlot(state, slot.slot);
      const holder = lease
        ? { leaseId: lease.leaseId, taskId: lease.taskId, stageId: lease.stageId, attempt: lease.attempt, expiresAt: lease.expiresAt }
        : null;
      const slotState = slot.status === 'ready' ? (lease ? 'leased' : 'free') : slot.status;
      return { slot: slot.slot, port: slot.port, containerId: slot.containerId, state: slotState, holder };
    });
  const leased = slots.filter((slot) => slot.holder !== null).length;
  return {
    poolId,
    driver,
    poolSequence,
    slots,
    size: slots.length,
    leased,
    waiting: state.waiting.length,
    utilisation: slots.length === 0 ? 0 : leased / slots.length,
    reportedAt: now.toISOString(),
  };
}
