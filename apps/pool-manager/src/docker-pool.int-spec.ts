import { containersLabelled, dockerCli, ensureTestImage, eventually, TEST_CONTAINER_IMAGE, type InspectedContainer } from '@app/testing';
import { describeLeaseRules, PoolHarness } from '@test/support';
import { useSuite } from '../../../test/support/suite';

/** The pool's containers as `docker ps -a` + `docker inspect` see them. */
const containersOf = (pool: PoolHarness) => containersLabelled('orch.pool', pool.poolId);
const byId = (containers: InspectedContainer[]) => containers.map((container) => container.Id).sort();

describe('pool-manager on the Docker driver (host network, test image)', () => {
  let pool: PoolHarness;

  useSuite(async (keep) => {
    ensureTestImage();
    pool = await PoolHarness.create({ driver: 'docker' });
    await pool.start();
    keep(() => pool.dispose());
  }, 90_000);

  it('comes up with 3 running containers carrying our labels and hardening (checked with inspect), each answering on its port', async () => {
    const containers = await containersOf(pool);
    expect(containers).toHaveLength(3);
    const ready = await pool.eventsOf('PoolSlotReady');
    expect(ready.map((slot) => slot.containerId).sort()).toEqual(byId(containers));
    for (const container of containers) {
      const slot = Number(container.Config.Labels?.['orch.slot']);
      const port = pool.portStart + slot;
      expect(container.State.Running).toBe(true);
      expect(container.Config.Image).toBe(TEST_CONTAINER_IMAGE);
      expect(container.Config.Labels).toEqual(
        expect.objectContaining({ 'orch.app': 'orchestrator-manager', 'orch.pool': pool.poolId, 'orch.slot': String(slot), 'orch.port': String(port) }),
      );
      expect(container.Config.Env).toContain(`PORT=${port}`);
      expect(container.HostConfig).toEqual(
        expect.objectContaining({
          NetworkMode: 'host',
          SecurityOpt: ['no-new-privileges:true'],
          CapDrop: ['ALL'],
          PidsLimit: 64,
          Memory: 64 * 1024 * 1024,
          NanoCpus: 500_000_000,
          Init: true,
        }),
      );
      expect(container.HostConfig.CapAdd ?? []).toEqual([]);
      const answer = await fetch(`http://127.0.0.1:${port}/`);
      expect(answer.status).toBe(200);
    }
    expect([...new Set(containers.map((container) => container.Config.Labels?.['orch.slot']))].sort()).toEqual(['0', '1', '2']);
    const status = await pool.status((report) => report.size === 3, 'a status of 3 slots');
    expect(status).toEqual(expect.objectContaining({ driver: 'docker', leased: 0, utilisation: 0 }));
  }, 30_000);

  describeLeaseRules({
    pool: () => pool,
    resetMark: async ({ containerId }) => {
      const startedAt = await dockerCli('inspect', '--format', '{{.State.StartedAt}}', containerId);
      return `${containerId}@${startedAt}`;
    },
  });

  it('docker kill of a leased container: the lease is revoked and the container replaced within seconds', async () => {
    await pool.acquire(301, { ttlS: 60 });
    const grant = await pool.grantOf(301);
    const killedAt = Date.now();
    await dockerCli('kill', grant.containerId);

    const revoked = await eventually(async () => (await pool.eventsOf('LeaseRevoked')).find((lease) => lease.leaseId === grant.leaseId), 10_000, 'the lease revoked');
    expect(revoked.reason).toContain(`slot ${grant.slot}`);
    const replacement = await eventually(
      async () => (await pool.eventsOf('PoolSlotReady')).find((slot) => slot.slot === grant.slot && slot.containerId !== grant.containerId),
      15_000,
      'a new container on the slot',
    );
    const replacedInMs = Date.now() - killedAt;
    expect(replacedInMs).toBeLessThan(10_000);

    const containers = await eventually(async () => {
      const current = await containersOf(pool);
      return current.length === 3 ? current : undefined;
    }, 10_000, 'the killed container removed');
    expect(byId(containers)).toContain(replacement.containerId);
    expect(byId(containers)).not.toContain(grant.containerId);
    expect(containers.every((container) => container.State.Running)).toBe(true);
    expect((await fetch(`http://127.0.0.1:${replacement.port}/`)).status).toBe(200);
    await pool.status((report) => report.slots.every((slot) => slot.state === 'free'), 'every slot free again');
  }, 40_000);

  it('restarted as a new instance on the same streams: the same 3 containers adopted, none duplicated, none orphaned', async () => {
    const before = byId(await containersOf(pool));
    const readyBefore = (await pool.eventsOf('PoolSlotReady')).length;
    await pool.stopAll();
    await pool.start();

    expect(byId(await containersOf(pool))).toEqual(before);
    expect((await pool.eventsOf('PoolSlotReady')).length).toBe(readyBefore);
    const status = await pool.status((report) => report.size === 3 && report.slots.every((slot) => slot.state === 'free'), 'the adopted pool reported');
    expect(status.slots.map((slot) => slot.containerId).sort()).toEqual(before);
  }, 60_000);
});
