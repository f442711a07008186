import { eventually } from '@app/testing';
import { PoolHarness } from '@test/support';
import { startPrivateNats, type PrivateServer } from '../../../libs/testing/src/private-servers';
import { useSuite } from '../../../test/support/suite';

const LEASE_TTL_S = 3;

describe('pool-manager through a NATS outage longer than the lease TTL', () => {
  let nats: PrivateServer;
  let pool: PoolHarness;

  useSuite(async (keep) => {
    nats = await startPrivateNats();
    pool = await PoolHarness.create({ driver: 'local', size: 1, leaseTtlS: LEASE_TTL_S, natsUrl: nats.url });
    await pool.start();
    keep(() => nats?.destroy());
    keep(() => pool?.dispose());
    keep(() => nats?.start().catch(() => undefined));
  }, 30_000);

  it('given a lease that fell due while NATS was down, when NATS is back, then it is kept one TTL from then (naming that moment), and expires after it when its holder is never heard from', async () => {
    await pool.acquire(1, { ttlS: LEASE_TTL_S });
    const grant = await pool.grantOf(1);
    await nats.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 2 * LEASE_TTL_S * 1000));
    const restartedAt = new Date().toISOString();
    await nats.start();

    const kept = await eventually(async () => (await pool.eventsOf('LeaseRenewed')).find((renewal) => renewal.busBackAt !== undefined), 20_000, 'the lease kept after NATS came back');
    const backAt = Date.parse(kept.busBackAt ?? '');
    expect(kept.leaseId).toBe(grant.leaseId);
    expect(kept).not.toHaveProperty('heartbeatAt');
    expect(backAt).toBeGreaterThanOrEqual(Date.parse(restartedAt));
    expect(Date.parse(kept.expiresAt)).toBe(backAt + LEASE_TTL_S * 1000);
    expect(Date.parse(grant.expiresAt)).toBeLessThan(backAt); // it was due when NATS came back

    // no holder ever heartbeated: once its TTL after the reconnect is over, the lease expires
    const expired = await eventually(async () => (await pool.events()).find((event) => event.type === 'LeaseExpired'), 20_000, 'the lease expired');
    expect(expired.data).toEqual(expect.objectContaining({ leaseId: grant.leaseId }));
    expect(Date.parse(expired.occurredAt)).toBeGreaterThanOrEqual(Date.parse(kept.expiresAt));
  }, 60_000);
});
