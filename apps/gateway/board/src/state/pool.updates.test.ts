import { describe, expect, it } from 'vitest';
import { poolUpdate, stageIdOf, TASK } from '../testing/board.fixtures';
import { boardReducer } from './board.reducer';
import { initialBoardState, type BoardState } from './board.state';
import type { LiveUpdate } from './board.actions';

const LEASE = '0193a5b0-0000-7000-8000-0000000000c1';
const apply = (updates: LiveUpdate[], state: BoardState = { ...initialBoardState, phase: 'ready' }): BoardState =>
  updates.reduce((next, update) => boardReducer(next, { type: 'update', update }), state);
const ready = (seq: number, slot: number): LiveUpdate => poolUpdate(seq, { cause: 'PoolSlotReady', state: 'free', slot, port: 8081 + slot, containerId: `local-${slot}`, driver: 'local' });
const granted = (seq: number, slot = 0): LiveUpdate =>
  poolUpdate(seq, { cause: 'LeaseGranted', state: 'leased', slot, port: 8081 + slot, containerId: `local-${slot}`, leaseId: LEASE, taskId: TASK, stageId: stageIdOf(1), attempt: 1, leaseExpiresAt: 'later' });

describe('pool updates', () => {
  it('given ready slots, when one is leased, then it names the task until the lease is released', () => {
    let state = apply([ready(1, 0), ready(2, 1), granted(3)]);
    expect(state.slots['default#0']).toMatchObject({ state: 'leased', port: 8081, lease: { leaseId: LEASE, taskId: TASK } });
    expect(state.slots['default#1']?.state).toBe('free');
    state = apply([poolUpdate(4, { cause: 'LeaseRenewed', state: 'leased', leaseId: LEASE, leaseExpiresAt: 'even later' })], state);
    expect(state.slots['default#0']?.lease?.expiresAt).toBe('even later');
    state = apply([poolUpdate(5, { cause: 'LeaseReleased', state: 'released', slot: 0, leaseId: LEASE })], state);
    expect(state.slots['default#0']).toMatchObject({ state: 'free', lease: null, port: 8081 });
  });

  it('given the release of another lease, then the slot keeps its holder', () => {
    const state = apply([ready(1, 0), granted(2), poolUpdate(3, { cause: 'LeaseReleased', state: 'released', slot: 0, leaseId: 'someone-else' })]);
    expect(state.slots['default#0']?.state).toBe('leased');
  });

  it('given an expired lease, then the slot resets; given its container lost, then it is unhealthy with the reason until it is ready again', () => {
    let state = apply([ready(1, 0), granted(2), poolUpdate(3, { cause: 'LeaseExpired', state: 'resetting', slot: 0, leaseId: LEASE })]);
    expect(state.slots['default#0']).toMatchObject({ state: 'resetting', lease: null });
    state = apply([poolUpdate(4, { cause: 'PoolSlotDown', state: 'down', slot: 0, reason: 'container exited' })], state);
    expect(state.slots['default#0']).toMatchObject({ state: 'down', reason: 'container exited' });
    state = apply([ready(5, 0)], state);
    expect(state.slots['default#0']).toMatchObject({ state: 'free', reason: null });
    state = apply([poolUpdate(6, { cause: 'PoolSlotRemoved', state: 'removed', slot: 0 })], state);
    expect(state.slots['default#0']).toBeUndefined();
  });

  it('given lease requests waiting, when the first is granted, then the next moves up; a rejected one leaves the queue', () => {
    const waiting = (seq: number, n: number, position: number): LiveUpdate =>
      poolUpdate(seq, { cause: 'LeaseQueued', state: 'waiting', taskId: TASK, stageId: stageIdOf(n), attempt: 1, position });
    let state = apply([ready(1, 0), waiting(2, 1, 1), waiting(3, 2, 2), waiting(4, 3, 3)]);
    expect(state.waiting.map((entry) => entry.position)).toEqual([1, 2, 3]);
    state = apply([granted(5)], state);
    expect(state.waiting.map((entry) => [entry.stageId, entry.position])).toEqual([
      [stageIdOf(2), 1],
      [stageIdOf(3), 2],
    ]);
    state = apply([poolUpdate(6, { cause: 'LeaseRequestRejected', state: 'rejected', taskId: TASK, stageId: stageIdOf(2), attempt: 1 })], state);
    expect(state.waiting.map((entry) => [entry.stageId, entry.position])).toEqual([[stageIdOf(3), 1]]);
  });
});
