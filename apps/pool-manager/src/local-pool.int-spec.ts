import { randomBytes } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { eventually } from '@app/testing';
import { describeLeaseRules, PoolHarness } from '@test/support';
import { useSuite } from '../../../test/support/suite';

describe('pool-manager on the local driver (a slot is a port and a directory)', () => {
  let pool: PoolHarness;
  const slotDir = (slot: number) => path.join(pool.slotsDir, `slot-${slot}`);
  /** A mark file in the slot's directory: the same until the directory is emptied by a reset. */
  const resetMark = async ({ slot }: { slot: number }) => {
    const file = path.join(slotDir(slot), 'mark');
    const existing = await readFile(file, 'utf8').catch(() => null);
    if (existing !== null) return existing;
    const mark = randomBytes(4).toString('hex');
    await writeFile(file, mark);
    return mark;
  };

  useSuite(async (keep) => {
    pool = await PoolHarness.create({ driver: 'local' });
    await pool.start();
    keep(() => pool.dispose());
  }, 30_000);

  it('comes up with 3 slots, each a directory on its own port, reported free', async () => {
    const ready = await pool.eventsOf('PoolSlotReady');
    expect(ready.map(({ slot, port, containerId, driver }) => ({ slot, port, containerId, driver }))).toEqual(
      [0, 1, 2].map((slot) => ({ slot, port: pool.portStart + slot, containerId: `local-${slot}`, driver: 'local' })),
    );
    for (const slot of [0, 1, 2]) expect((await stat(slotDir(slot))).isDirectory()).toBe(true);
    const status = await pool.status((report) => report.size === 3, 'a status of 3 slots');
    expect(status).toEqual(expect.objectContaining({ driver: 'local', leased: 0, waiting: 0, utilisation: 0 }));
    expect(status.slots.map((slot) => slot.state)).toEqual(['free', 'free', 'free']);
  }, 30_000);

  describeLeaseRules({ pool: () => pool, resetMark });

  it('a slot whose directory vanishes is recreated, and the lease on it revoked', async () => {
    await pool.acquire(401, { ttlS: 60 });
    const grant = await pool.grantOf(401);
    await rm(slotDir(grant.slot), { recursive: true, force: true });
    const revoked = await eventually(async () => (await pool.eventsOf('LeaseRevoked')).find((lease) => lease.leaseId === grant.leaseId), 10_000, 'the lease revoked');
    expect(revoked.reason).toContain(`slot ${grant.slot}`);
    await eventually(async () => ((await stat(slotDir(grant.slot)).catch(() => null))?.isDirectory() ? true : undefined), 10_000, 'the slot directory back');
    await pool.status((status) => status.slots.every((slot) => slot.state === 'free'), 'every slot free again');
  }, 30_000);

  it('restarted as a new instance on the same streams: the same slots adopted, a held lease kept, and its expiry re-armed from the log', async () => {
    await pool.acquire(402, { ttlS: 4 });
    const grant = await pool.grantOf(402);
    const mark = await resetMark(grant);
    const readyBefore = (await pool.eventsOf('PoolSlotReady')).length;
    await pool.stopAll();
    await pool.start();

    expect((await pool.eventsOf('PoolSlotReady')).length).toBe(readyBefore);
    expect(await resetMark(grant)).toBe(mark);
    const status = await pool.status((report) => report.leased === 1, 'the held lease reported after the restart');
    expect(status.slots.find((slot) => slot.slot === grant.slot)?.holder?.leaseId).toBe(grant.leaseId);

    const expired = await eventually(async () => (await pool.eventsOf('LeaseExpired')).find((lease) => lease.leaseId === grant.leaseId), 15_000, 'the lease expired by the new instance');
    expect(expired.slot).toBe(grant.slot);
    await pool.status((report) => report.leased === 0 && report.slots.every((slot) => slot.state === 'free'), 'the slot reset and free');
  }, 30_000);
});
