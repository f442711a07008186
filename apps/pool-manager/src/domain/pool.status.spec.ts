import { ids, poolFactory } from '@app/testing';
import { decideAcquire } from './lease.decider';
import { evolvePool, initialPoolState, type PoolFact } from './pool.state';
import { poolStatusOf } from './pool.status';
import { decideSlotDown } from './slot.decider';

const now = new Date('2026-11-24T10:00:00.000Z');

describe('pool status', () => {
  it('given one leased, one down and one free slot and a waiter, then each slot shows its state and holder, and utilisation is 1/3', () => {
    let state = [poolFactory.slotReady(0), poolFactory.slotReady(1), poolFactory.slotReady(2)].reduce<ReturnType<typeof initialPoolState>>(evolvePool, initialPoolState());
    const apply = (facts: PoolFact[]) => (state = facts.reduce(evolvePool, state));
    apply(decideAcquire(poolFactory.acquireLease(1), { poolId: 'default', maxTtlS: 120 }, state, now));
    apply(decideSlotDown('default', 1, 'gone', state));
    state = { ...state, waiting: [{ requestId: ids.command(9), correlationId: ids.command(9), taskId: ids.task(9), stageId: poolFactory.stageOf(9), attempt: 1, ttlS: 60 }] };

    const status = poolStatusOf('default', 'docker', state, 42, now);

    expect(status).toEqual(
      expect.objectContaining({ poolId: 'default', driver: 'docker', poolSequence: 42, size: 3, leased: 1, waiting: 1, utilisation: 1 / 3, reportedAt: now.toISOString() }),
    );
    expect(status.slots.map((slot) => [slot.slot, slot.state, slot.port, slot.containerId, slot.holder?.taskId ?? null])).toEqual([
      [0, 'leased', 8081, 'container-0', ids.task(1)],
      [1, 'down', 8082, 'container-1', null],
      [2, 'free', 8083, 'container-2', null],
    ]);
  });

  it('given an empty pool, then utilisation is 0', () => {
    expect(poolStatusOf('default', 'local', initialPoolState(), 0, now).utilisation).toBe(0);
  });
});
