import { buildApps, containersLabelled, ensureTestImage, eventually, spawnApp, type AppProcess } from '@app/testing';
import { PoolHarness } from '@test/support';
import { useSuite } from '../../../test/support/suite';

const READY_LINE = /Pool \S+: 3\/3 slots ready/;

describe('pool-manager as a process on the Docker driver, SIGKILLed and restarted', () => {
  let pool: PoolHarness;
  const processes: AppProcess[] = [];
  const containerIds = async () => (await containersLabelled('orch.pool', pool.poolId)).map((container) => container.Id).sort();
  const startProcess = async () => {
    const app = spawnApp('pool-manager', pool.env, `pool-manager-${processes.length + 1}`);
    processes.push(app);
    await eventually(async () => (READY_LINE.test(app.output()) ? true : undefined), 60_000, `${app.name} ready:\n${app.output()}`);
    return app;
  };

  useSuite(async (keep) => {
    ensureTestImage();
    buildApps();
    pool = await PoolHarness.create({ driver: 'docker', healthIntervalMs: 1_000 });
    keep(() => pool.dispose());
    keep(async () => {
      for (const app of processes) await app.kill('SIGKILL');
    });
  }, 180_000);

  it('adopts the same 3 containers: none duplicated, none orphaned, the lease held before the kill still held', async () => {
    const first = await startProcess();
    const before = await containerIds();
    expect(before).toHaveLength(3);
    await pool.acquire(501, { ttlS: 120 });
    const held = await pool.grantOf(501);
    const readyEvents = (await pool.eventsOf('PoolSlotReady')).length;

    await first.kill('SIGKILL');
    expect(await containerIds()).toEqual(before);
    await startProcess();

    expect(await containerIds()).toEqual(before);
    expect((await pool.eventsOf('PoolSlotReady')).length).toBe(readyEvents);
    const status = await pool.status((report) => report.leased === 1, 'the held lease reported by the new process');
    expect(status.slots.find((slot) => slot.slot === held.slot)?.holder?.leaseId).toBe(held.leaseId);

    await pool.acquire(502, { ttlS: 120 });
    const next = await pool.grantOf(502);
    expect(next.slot).not.toBe(held.slot);
    for (const grant of [held, next]) await pool.release(grant);
    await pool.status((report) => report.leased === 0, 'both leases released');
    expect(await containerIds()).toEqual(before);
  }, 120_000);
});
