import { ids, poolFactory } from '@app/testing';
import { settle } from './grants';
import { decideAcquire, decideExpiries, decideRelease, decideRenew, nextExpiry, type LeasePolicy } from './lease.decider';
import type { PoolDecision } from './pool.decision';
import { evolvePool, initialPoolState, leaseOnSlot, type PoolFact, type PoolState } from './pool.state';
import { decideSlotDown, decideSlotReady, decideSlotRemoved } from './slot.decider';

const policy: LeasePolicy = { poolId: 'default', maxTtlS: 120 };
const now = new Date('2026-11-24T10:00:00.000Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);

const given = (...facts: PoolFact[]): PoolState => facts.reduce(evolvePool, initialPoolState());
const threeSlots = () => [poolFactory.slotReady(0), poolFactory.slotReady(1), poolFactory.slotReady(2)];
/** The state after `decisions`, as if they had been appended. */
const then = (state: PoolState, decisions: PoolDecision[]): PoolState => decisions.reduce(evolvePool, state);
const types = (decisions: PoolDecision[]) => decisions.map((decision) => decision.type);
const grantsIn = (decisions: PoolDecision[]) => decisions.flatMap((decision) => (decision.type === 'LeaseGranted' ? [decision.data] : []));

/** Tasks 1..n each ask for a lease, one after the other. */
function acquireAll(state: PoolState, tasks: number[], ttlS = 60): PoolState {
  return tasks.reduce((current, task) => then(current, decideAcquire(poolFactory.acquireLease(task, { ttlS }), policy, current, now)), state);
}

describe('lease decider', () => {
  describe('acquire: first come, first served', () => {
    it('given three ready slots, when a stage asks for a lease, then it gets the lowest free slot for its TTL', () => {
      const decisions = decideAcquire(poolFactory.acquireLease(1, { ttlS: 60 }), policy, given(...threeSlots()), now);
      expect(decisions).toEqual([
        expect.objectContaining({
          type: 'LeaseGranted',
          data: expect.objectContaining({ slot: 0, port: 8081, containerId: 'container-0', taskId: ids.task(1), expiresAt: later(60).toISOString(), ttlS: 60 }),
        }),
      ]);
    });

    it('given every slot leased, when two more stages ask, then they are queued in order, positions 1 and 2', () => {
      const full = acquireAll(given(...threeSlots()), [1, 2, 3]);
      const fourth = decideAcquire(poolFactory.acquireLease(4), policy, full, now);
      const fifth = decideAcquire(poolFactory.acquireLease(5), policy, then(full, fourth), now);
      expect(fourth).toEqual([expect.objectContaining({ type: 'LeaseQueued', data: expect.objectContaining({ taskId: ids.task(4), position: 1 }) })]);
      expect(fifth).toEqual([expect.objectContaining({ type: 'LeaseQueued', data: expect.objectContaining({ taskId: ids.task(5), position: 2 }) })]);
    });

    it('given a stage already holding a lease, when its request is redelivered, then nothing is decided', () => {
      const state = acquireAll(given(...threeSlots()), [1]);
      expect(decideAcquire(poolFactory.acquireLease(1), policy, state, now)).toEqual([]);
    });

    it('given a stage already waiting, when its request is redelivered, then it is not queued twice', () => {
      const state = acquireAll(given(poolFactory.slotReady(0)), [1, 2]);
      expect(decideAcquire(poolFactory.acquireLease(2), policy, state, now)).toEqual([]);
    });

    it('given a request for longer than the pool allows, when it is granted, then its TTL is cut to the pool maximum', () => {
      const [grant] = grantsIn(decideAcquire(poolFactory.acquireLease(1, { ttlS: 3600 }), policy, given(...threeSlots()), now));
      expect(grant).toEqual(expect.objectContaining({ ttlS: 120, expiresAt: later(120).toISOString() }));
    });

    it('given the same request decided twice, then the lease id is the same (a redelivery grants the same lease)', () => {
      const state = given(...threeSlots());
      const first = grantsIn(decideAcquire(poolFactory.acquireLease(1), policy, state, now));
      const second = grantsIn(decideAcquire(poolFactory.acquireLease(1), policy, state, later(1)));
      expect(first[0]?.leaseId).toBe(second[0]?.leaseId);
    });
  });

  describe('release: the freed slot goes to the first waiter', () => {
    it('given two waiters, when leases are released one by one, then the waiters are granted in the order they asked', () => {
      let state = acquireAll(given(...threeSlots()), [1, 2, 3, 4, 5]);
      const holderOf = (slot: number) => leaseOnSlot(state, slot)!;

      const firstRelease = decideRelease(poolFactory.releaseLease({ poolId: 'default', ...holderOf(1) }), 'default', state, now);
      expect(types(firstRelease)).toEqual(['LeaseReleased', 'LeaseGranted']);
      expect(grantsIn(firstRelease)[0]).toEqual(expect.objectContaining({ taskId: ids.task(4), slot: 1 }));
      state = then(state, firstRelease);

      const secondRelease = decideRelease(poolFactory.releaseLease({ poolId: 'default', ...holderOf(0) }), 'default', state, now);
      expect(grantsIn(secondRelease)[0]).toEqual(expect.objectContaining({ taskId: ids.task(5), slot: 0 }));
      expect(then(state, secondRelease).waiting).toEqual([]);
    });

    it('given no waiter, when a lease is released, then the slot is simply free again', () => {
      const state = acquireAll(given(...threeSlots()), [1]);
      const decisions = decideRelease(poolFactory.releaseLease({ poolId: 'default', ...leaseOnSlot(state, 0)! }), 'default', state, now);
      expect(types(decisions)).toEqual(['LeaseReleased']);
      expect(leaseOnSlot(then(state, decisions), 0)).toBeUndefined();
    });

    it('given a lease that already ended, when it is released (again), then nothing is decided', () => {
      const state = acquireAll(given(...threeSlots()), [1]);
      const release = poolFactory.releaseLease({ poolId: 'default', ...leaseOnSlot(state, 0)! });
      const released = then(state, decideRelease(release, 'default', state, now));
      expect(decideRelease(release, 'default', released, now)).toEqual([]);
    });
  });

  describe('renew: the holder keeps its lease alive', () => {
    const held = () => acquireAll(given(...threeSlots()), [1], 60);
    const lease = (state: PoolState) => ({ poolId: 'default', ...leaseOnSlot(state, 0)! });

    it('given a lease granted 30 s ago, when its holder renews, then it lives another TTL from now', () => {
      const state = held();
      expect(decideRenew(poolFactory.renewLease(lease(state)), policy, state, later(30))).toEqual([
        { type: 'LeaseRenewed', data: { leaseId: lease(state).leaseId, poolId: 'default', expiresAt: later(90).toISOString() } },
      ]);
    });

    it('given a lease granted 5 s ago, when its holder renews, then nothing is written (heartbeats do not flood the log)', () => {
      const state = held();
      expect(decideRenew(poolFactory.renewLease(lease(state)), policy, state, later(5))).toEqual([]);
    });

    it('given a lease past its expiry, when its holder renews only after it expired, then the expiry wins', () => {
      const state = held();
      const late = { ...poolFactory.renewLease(lease(state)), occurredAt: later(61).toISOString() };
      expect(decideRenew(late, policy, state, later(61))).toEqual([]);
    });

    it('given a lease past its expiry, when a renewal its holder sent before the expiry arrives (queued while the pool-manager was down), then it lives another TTL from now', () => {
      // given a 60 s lease, renewed by its holder at 50 s, and the pool-manager back only at 200 s
      const state = held();
      const queued = { ...poolFactory.renewLease(lease(state)), occurredAt: later(50).toISOString() };

      // when the queued renewal is decided at 200 s
      const decisions = decideRenew(queued, policy, state, later(200));

      // then the lease is renewed from then, and does not expire
      expect(decisions).toEqual([{ type: 'LeaseRenewed', data: { leaseId: lease(state).leaseId, poolId: 'default', expiresAt: later(260).toISOString() } }]);
      expect(decideExpiries(policy, then(state, decisions), later(200))).toEqual([]);
    });

    it('given a renewed lease, when its first expiry passes, then it does not expire', () => {
      const state = held();
      const renewed = then(state, decideRenew(poolFactory.renewLease(lease(state)), policy, state, later(30)));
      expect(decideExpiries(policy, renewed, later(61))).toEqual([]);
      expect(nextExpiry(renewed)).toEqual(later(90));
    });
  });

  describe('expiry: a lease that is not renewed is reclaimed', () => {
    it('given a lease not yet due, when expiries are checked, then nothing is decided', () => {
      expect(decideExpiries(policy, acquireAll(given(...threeSlots()), [1], 60), later(59))).toEqual([]);
    });

    it('given a lease past its expiry and a waiter, when expiries are checked, then the lease expires and the slot is reset before the waiter gets it', () => {
      const state = acquireAll(given(poolFactory.slotReady(0)), [1, 2], 60);
      const expired = decideExpiries(policy, state, later(60));
      expect(expired).toEqual([
        { type: 'LeaseExpired', data: { leaseId: leaseOnSlot(state, 0)!.leaseId, poolId: 'default', slot: 0, taskId: ids.task(1), stageId: poolFactory.stageOf(1) } },
      ]);
      const resetting = then(state, expired);
      expect(resetting.slots[0]?.status).toBe('resetting');
      expect(settle('default', resetting, [], later(60))).toEqual([]);

      const reset = decideSlotReady('default', { slot: 0, port: 8081, containerId: 'container-0', driver: 'docker' }, resetting, later(61));
      expect(types(reset)).toEqual(['PoolSlotReady', 'LeaseGranted']);
      expect(grantsIn(reset)[0]).toEqual(expect.objectContaining({ taskId: ids.task(2), slot: 0, expiresAt: later(121).toISOString() }));
    });

    describe('the holder heard from: a heartbeat less than a TTL old keeps a due lease (the orchestrator, which renews, may be down)', () => {
      const held = () => acquireAll(given(...threeSlots()), [1], 60);
      const heard = (state: PoolState, sentAtS: number, attempt = 1) => {
        const lease = leaseOnSlot(state, 0)!;
        return new Map([[lease.taskId, { stageId: lease.stageId, attempt, sentAt: later(sentAtS).toISOString() }]]);
      };

      it('given a 60 s lease never renewed and its holder heartbeating at 100 s, when expiries are checked at 120 s, then it is kept until a TTL after that heartbeat, naming it', () => {
        const state = held();
        const decisions = decideExpiries(policy, state, later(120), { lastHeartbeats: heard(state, 100) });
        expect(decisions).toEqual([
          { type: 'LeaseRenewed', data: { leaseId: leaseOnSlot(state, 0)!.leaseId, poolId: 'default', expiresAt: later(160).toISOString(), heartbeatAt: later(100).toISOString() } },
        ]);
        expect(nextExpiry(then(state, decisions))).toEqual(later(160));
        expect(decideExpiries(policy, then(state, decisions), later(159), { lastHeartbeats: heard(state, 100) })).toEqual([]);
      });

      it('given a due lease whose last heartbeat is a TTL old, when expiries are checked, then it expires', () => {
        const state = held();
        expect(types(decideExpiries(policy, state, later(120), { lastHeartbeats: heard(state, 60) }))).toEqual(['LeaseExpired']);
      });

      it('given a due lease and a fresh heartbeat of another attempt of its task, when expiries are checked, then it expires (that attempt is not the holder)', () => {
        const state = acquireAll(given(...threeSlots()), [1], 60);
        const lease = leaseOnSlot(state, 0)!;
        const other = new Map([[lease.taskId, { stageId: lease.stageId, attempt: lease.attempt + 1, sentAt: later(119).toISOString() }]]);
        expect(types(decideExpiries(policy, state, later(120), { lastHeartbeats: other }))).toEqual(['LeaseExpired']);
      });

      it('given a due lease and no heartbeat of its task, when expiries are checked, then it expires', () => {
        expect(types(decideExpiries(policy, held(), later(120), { lastHeartbeats: new Map() }))).toEqual(['LeaseExpired']);
      });

      it('given a lease not yet due, when its holder heartbeats, then nothing is written (only a due lease reads its heartbeat)', () => {
        const state = held();
        expect(decideExpiries(policy, state, later(30), { lastHeartbeats: heard(state, 29) })).toEqual([]);
      });
    });

    describe('NATS back: a due lease gets one TTL after the pool-manager regained NATS (no renewal or heartbeat could be sent meanwhile)', () => {
      const held = () => acquireAll(given(...threeSlots()), [1], 60);

      it('given a 60 s lease and NATS back at 110 s, when expiries are checked at 111 s with no fresh heartbeat, then it is kept until a TTL after NATS came back, naming that moment', () => {
        const state = held();
        const decisions = decideExpiries(policy, state, later(111), { lastHeartbeats: new Map(), busBackAt: later(110).toISOString() });
        expect(decisions).toEqual([
          { type: 'LeaseRenewed', data: { leaseId: leaseOnSlot(state, 0)!.leaseId, poolId: 'default', expiresAt: later(170).toISOString(), busBackAt: later(110).toISOString() } },
        ]);
      });

      it('given NATS back a TTL ago and still no heartbeat, when expiries are checked, then the lease expires (its holder had its TTL to be heard from)', () => {
        const state = held();
        expect(types(decideExpiries(policy, state, later(170), { busBackAt: later(110).toISOString() }))).toEqual(['LeaseExpired']);
      });

      it('given NATS back and a fresh heartbeat of the holder, when expiries are checked, then the heartbeat is what keeps it', () => {
        const state = held();
        const lease = leaseOnSlot(state, 0)!;
        const lastHeartbeats = new Map([[lease.taskId, { stageId: lease.stageId, attempt: lease.attempt, sentAt: later(112).toISOString() }]]);
        const [decision] = decideExpiries(policy, state, later(113), { lastHeartbeats, busBackAt: later(110).toISOString() });
        expect(decision).toEqual({ type: 'LeaseRenewed', data: expect.objectContaining({ expiresAt: later(172).toISOString(), heartbeatAt: later(112).toISOString() }) });
      });
    });

    it('given several leases, then the next expiry is the earliest of them', () => {
      const state = acquireAll(acquireAll(given(...threeSlots()), [1], 90), [2], 30);
      expect(nextExpiry(state)).toEqual(later(30));
      expect(nextExpiry(given(...threeSlots()))).toBeNull();
    });
  });

  describe('revoke: a lease on a lost container ends, its holder retries', () => {
    it('given a leased slot and a waiter, when its container dies, then the lease is revoked, the slot is down and nobody is granted it', () => {
      const state = acquireAll(given(poolFactory.slotReady(0)), [1, 2]);
      const decisions = decideSlotDown('default', 0, 'slot 0: container container-0 exited (code 137)', state);
      expect(decisions).toEqual([
        expect.objectContaining({ type: 'LeaseRevoked', data: expect.objectContaining({ slot: 0, taskId: ids.task(1), reason: 'slot 0: container container-0 exited (code 137)' }) }),
        { type: 'PoolSlotDown', data: { poolId: 'default', slot: 0, containerId: 'container-0', reason: 'slot 0: container container-0 exited (code 137)' } },
      ]);
      expect(settle('default', then(state, decisions), [], now)).toEqual([]);
    });

    it('given a down slot and a waiter, when its replacement is ready, then the new container is recorded and granted to the waiter', () => {
      const state = acquireAll(given(poolFactory.slotReady(0)), [1, 2]);
      const down = then(state, decideSlotDown('default', 0, 'gone', state));
      const decisions = decideSlotReady('default', { slot: 0, port: 8081, containerId: 'container-0b', driver: 'docker' }, down, now);
      expect(types(decisions)).toEqual(['PoolSlotReady', 'LeaseGranted']);
      expect(grantsIn(decisions)[0]).toEqual(expect.objectContaining({ taskId: ids.task(2), containerId: 'container-0b' }));
    });

    it('given a free slot, when its container dies, then only the slot goes down', () => {
      expect(types(decideSlotDown('default', 1, 'gone', given(...threeSlots())))).toEqual(['PoolSlotDown']);
    });

    it('given a leased slot beyond a smaller pool, when it is retired, then the lease is revoked and the slot removed', () => {
      const state = acquireAll(given(...threeSlots()), [1]);
      expect(types(decideSlotRemoved('default', 0, 'slot 0 is beyond CONTAINER_POOL_SIZE=0', state))).toEqual(['LeaseRevoked', 'PoolSlotRemoved']);
    });

    it('given a slot that is ready with the same container, when it is reported ready again, then nothing is written', () => {
      expect(decideSlotReady('default', { slot: 0, port: 8081, containerId: 'container-0', driver: 'docker' }, given(...threeSlots()), now)).toEqual([]);
    });
  });

  describe('never two holders', () => {
    it('given any sequence of requests, releases, expiries, deaths and replacements, then no slot ever has two leases and no lease sits on a slot that is not ready', () => {
      let seed = 7;
      const random = (n: number) => {
        seed = (seed * 48271) % 2147483647;
        return seed % n;
      };
      let state = given(...threeSlots());
      let clock = now.getTime();
      let granted = 0;
      for (let step = 0; step < 2_000; step += 1) {
        clock += random(20) * 1000;
        const at = new Date(clock);
        const leases = Object.values(state.leases);
        const slot = random(3);
        let decisions: PoolDecision[];
        switch (random(6)) {
          case 0:
          case 1:
            decisions = decideAcquire(poolFactory.acquireLease(1 + random(500), { attempt: 1 + random(3), ttlS: 30 }), policy, state, at);
            break;
          case 2: {
            const lease = leases[random(Math.max(1, leases.length))];
            decisions = lease ? decideRelease(poolFactory.releaseLease({ poolId: 'default', ...lease }), 'default', state, at) : [];
            break;
          }
          case 3:
            decisions = decideExpiries(policy, state, at);
            break;
          case 4:
            decisions = decideSlotDown('default', slot, 'died', state);
            break;
          default:
            decisions = decideSlotReady('default', { slot, port: 8081 + slot, containerId: `container-${slot}-${step}`, driver: 'docker' }, state, at);
        }
        state = then(state, decisions);
        granted += grantsIn(decisions).length;
        const held = Object.values(state.leases).map((lease) => lease.slot);
        expect(new Set(held).size).toBe(held.length);
        for (const heldSlot of held) expect(state.slots[heldSlot]?.status).toBe('ready');
      }
      expect(granted).toBeGreaterThan(200);
    });
  });
});
