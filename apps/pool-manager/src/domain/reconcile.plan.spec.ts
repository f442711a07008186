import { poolFactory } from '@app/testing';
import { evolvePool, initialPoolState, type PoolFact, type PoolState } from './pool.state';
import { planReconcile, type ObservedContainer } from './reconcile.plan';

const desired = { size: 3, portStart: 8081 };
const given = (...facts: PoolFact[]): PoolState => facts.reduce(evolvePool, initialPoolState());
const threeSlots = () => [poolFactory.slotReady(0), poolFactory.slotReady(1), poolFactory.slotReady(2)];
const running = (containerId: string, slot: number | null): ObservedContainer => ({ containerId, slot, condition: 'running', exitCode: null });

describe('reconcile plan', () => {
  it('given an empty log and no containers, then every slot is created', () => {
    expect(planReconcile(given(), [], desired)).toEqual({
      retire: [],
      actions: [{ kind: 'create', slot: 0 }, { kind: 'create', slot: 1 }, { kind: 'create', slot: 2 }],
      remove: [],
    });
  });

  it('given the log accounts for three running containers, then they are adopted: nothing created, nothing removed', () => {
    const observed = [running('container-0', 0), running('container-1', 1), running('container-2', 2)];
    expect(planReconcile(given(...threeSlots()), observed, desired)).toEqual({ retire: [], actions: [], remove: [] });
  });

  it('given containers with our labels the log does not know (a crash before the log recorded them, a duplicate), then they are removed', () => {
    const observed = [running('container-0', 0), running('container-1', 1), running('container-2', 2), running('stray-1', 1), running('unlabelled', null)];
    expect(planReconcile(given(...threeSlots()), observed, desired).remove).toEqual(['stray-1', 'unlabelled']);
  });

  it('given an empty log and containers left from before, then they are removed and the slots created afresh', () => {
    const plan = planReconcile(given(), [running('old-0', 0)], desired);
    expect(plan.remove).toEqual(['old-0']);
    expect(plan.actions).toHaveLength(3);
  });

  it('given the log’s container is gone, exited or unhealthy, then its slot is replaced with the reason', () => {
    const observed: ObservedContainer[] = [
      { containerId: 'container-1', slot: 1, condition: 'stopped', exitCode: 137 },
      { containerId: 'container-2', slot: 2, condition: 'unhealthy', exitCode: null },
    ];
    const plan = planReconcile(given(...threeSlots()), observed, desired);
    expect(plan.actions).toEqual([
      { kind: 'replace', slot: 0, reason: 'slot 0: container container-0 is gone' },
      { kind: 'replace', slot: 1, reason: 'slot 1: container container-1 exited (code 137)' },
      { kind: 'replace', slot: 2, reason: 'slot 2: container container-2 failed its health check' },
    ]);
    expect(plan.remove).toEqual(['container-1', 'container-2']);
  });

  it('given a slot whose lease expired and whose container runs, then the container is reset, not replaced', () => {
    const state = given(...threeSlots(), poolFactory.slotReady(1));
    const resetting: PoolState = { ...state, slots: { ...state.slots, 1: { ...state.slots[1]!, status: 'resetting' } } };
    const observed = [running('container-0', 0), running('container-1', 1), running('container-2', 2)];
    expect(planReconcile(resetting, observed, desired)).toEqual({ retire: [], actions: [{ kind: 'reset', slot: 1, containerId: 'container-1' }], remove: [] });
  });

  it('given a pool made smaller, then the slots beyond it retire and their containers are removed', () => {
    const observed = [running('container-0', 0), running('container-1', 1), running('container-2', 2)];
    expect(planReconcile(given(...threeSlots()), observed, { size: 2, portStart: 8081 })).toEqual({ retire: [2], actions: [], remove: ['container-2'] });
  });

  it('given the port range moved, then the slot is replaced on its new port', () => {
    const observed = [running('container-0', 0), running('container-1', 1), running('container-2', 2)];
    expect(planReconcile(given(...threeSlots()), observed, { size: 3, portStart: 9000 }).actions[0]).toEqual({
      kind: 'replace',
      slot: 0,
      reason: 'slot 0: its port moves from 8081 to 9000',
    });
  });
});
