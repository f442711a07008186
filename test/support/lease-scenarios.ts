import type { MessageData } from '@app/contracts';
import { eventually } from '../../libs/testing/src/nats';
import { poolFactory } from '../../libs/testing/src/pool-factory';
import type { PoolHarness } from './pool-harness';

type Grant = MessageData<'LeaseGranted'>;

export interface LeaseScenarioHooks {
  /** the harness of the suite, with a pool of 3 slots running */
  pool: () => PoolHarness;
  /** evidence that a slot was reset (restarted, recreated, emptied) since `before` was taken */
  resetMark: (grant: Grant) => Promise<string>;
}

/**
 * The lease rules every driver must keep, as `it` blocks: first come first served with a
 * queue, never two holders, and expiry of a lease whose holder stops renewing (the slot
 * reset, then granted to the next waiter). Each leaves every lease released.
 */
export function describeLeaseRules(hooks: LeaseScenarioHooks): void {
  it('5 concurrent lease requests: 3 granted at once, the other 2 granted in order as leases are released', async () => {
    const pool = hooks.pool();
    const tasks = [101, 102, 103, 104, 105];
    await Promise.all(tasks.map((task) => pool.acquire(task, { ttlS: 60 })));

    const { granted, queued } = await eventually(
      async () => {
        const grants = await pool.eventsOf('LeaseGranted');
        const waits = await pool.eventsOf('LeaseQueued');
        const mine = (stageId: string) => tasks.some((task) => poolFactory.stageOf(task) === stageId);
        const result = { granted: grants.filter((grant) => mine(grant.stageId)), queued: waits.filter((wait) => mine(wait.stageId)) };
        return result.granted.length === 3 && result.queued.length === 2 ? result : undefined;
      },
      15_000,
      '3 grants and 2 queued requests',
    );
    expect(new Set(granted.map((grant) => grant.slot)).size).toBe(3);
    expect(queued.map((wait) => wait.position)).toEqual([1, 2]);
    const [first, second] = queued.map((wait) => tasks.find((task) => poolFactory.stageOf(task) === wait.stageId)!);

    await pool.release(granted[1]!);
    const firstWaiter = await pool.grantOf(first!);
    expect(firstWaiter.slot).toBe(granted[1]!.slot);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await pool.eventsOf('LeaseGranted')).some((grant) => grant.stageId === poolFactory.stageOf(second!))).toBe(false);

    await pool.release(granted[0]!);
    const secondWaiter = await pool.grantOf(second!);
    expect(secondWaiter.slot).toBe(granted[0]!.slot);

    for (const grant of [granted[2]!, firstWaiter, secondWaiter]) await pool.release(grant);
    await pool.status((status) => status.leased === 0 && status.waiting === 0, 'every lease released');
  }, 30_000);

  it('a lease whose holder stops renewing expires, its slot is reset, and it goes to the next waiter; a renewed lease lives on', async () => {
    const pool = hooks.pool();
    await pool.acquire(201, { ttlS: 3 });
    const silent = await pool.grantOf(201);
    await pool.acquire(202, { ttlS: 3 });
    const renewing = await pool.grantOf(202);
    // renew from the moment it is granted: the steps below may take longer than its TTL on a loaded machine
    const renewals = setInterval(() => void pool.renew(renewing, Date.now()).catch(() => undefined), 500);
    try {
      await pool.acquire(203, { ttlS: 60 });
      const steady = await pool.grantOf(203);
      const markBefore = await hooks.resetMark(silent);
      await pool.acquire(204, { ttlS: 60 });
      await eventually(async () => ((await pool.eventsOf('LeaseQueued')).some((wait) => wait.stageId === poolFactory.stageOf(204)) ? true : undefined), 10_000, 'task 204 queued');
      const next = await pool.grantOf(204, 20_000);
      const expired = await pool.eventsOf('LeaseExpired');
      expect(expired.map((lease) => lease.leaseId)).toEqual([silent.leaseId]);
      expect(next.slot).toBe(silent.slot);
      expect(await hooks.resetMark(next)).not.toBe(markBefore);
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect((await pool.eventsOf('LeaseExpired')).map((lease) => lease.leaseId)).toEqual([silent.leaseId]);
      expect((await pool.eventsOf('LeaseRenewed')).some((renewal) => renewal.leaseId === renewing.leaseId)).toBe(true);
      for (const grant of [renewing, steady, next]) await pool.release(grant);
    } finally {
      clearInterval(renewals);
    }
    await pool.status((status) => status.leased === 0 && status.waiting === 0, 'every lease released');
  }, 30_000);
}
