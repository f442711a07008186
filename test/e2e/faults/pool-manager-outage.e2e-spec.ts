import type { INestMicroservice } from '@nestjs/common';
import type { NatsClient } from '@app/messaging';
import { ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { connectTestClient } from '../../../libs/testing/src/nats';
import { startTestPool, startTestSystem, type TestSystem } from '../../../test/support/system';
import { checkedFigures, waitForStagesRunning, expectAllCompleted, expectNothingLost } from './fault.support';
import { useSuite } from '../../support/suite';

const LEASE_TTL_S = 3;
const OUTAGE_MS = 3 * LEASE_TTL_S * 1000;
const LIMIT = 3;

/** Fault 12: the pool-manager stopped for three lease TTLs while stages run on its leases. */
describe('fault 12: the pool-manager down for longer than the lease TTL', () => {
  let system: TestSystem;
  let client: NatsClient;
  let pool: INestMicroservice | null = null;
  const poolOptions = { poolSize: LIMIT, pool: { leaseTtlS: LEASE_TTL_S } };

  useSuite(async (keep) => {
    system = keep(await startTestSystem({ poolManager: false, rules: { maxConcurrent: LIMIT, leaseTtlS: LEASE_TTL_S } }));
    pool = await startTestPool(system.messaging, system.workspacesDir, poolOptions);
    client = keep(await connectTestClient(system.messaging));
    keep(() => pool?.close());
  });

  it('given stages running and heartbeating, when the pool-manager is stopped for 3 TTLs and started again, then the renewals queued meanwhile keep every lease and no stage fails', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(LIMIT, 'Pool-manager away', 'Work [[fake:slow=1000]]');
    await waitForStagesRunning(client, LIMIT);

    const stoppedAt = Date.now();
    await pool?.close();
    pool = null;
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const leasesAtRestart = distinctEvents(await readEventLog(client, client.subjects.pool('default'))).filter(({ event }) => event.type === 'LeaseGranted' || event.type === 'LeaseRenewed');
    const lastExpiry = Math.max(...leasesAtRestart.map(({ event }) => (event.type === 'LeaseGranted' || event.type === 'LeaseRenewed' ? Date.parse(event.data.expiresAt) : 0)));
    expect(lastExpiry).toBeLessThan(Date.now()); // every lease's expiry passed while no pool-manager ran
    const restartedAt = Date.now();
    pool = await startTestPool(system.messaging, system.workspacesDir, poolOptions);

    const { ended, report } = await expectAllCompleted(client, system, taskIds, 60_000, { maxConcurrent: LIMIT });

    const { events, lossFigures } = await expectNothingLost(client);
    const renewedAfterRestart = events.filter(({ event, storedAtMs }) => event.type === 'LeaseRenewed' && storedAtMs >= restartedAt).length;
    expect(renewedAfterRestart).toBeGreaterThan(0);

    await recordFigures('fault-12-pool-manager-outage', {
      fault: `pool-manager stopped for ${OUTAGE_MS / 1000} s (lease TTL ${LEASE_TTL_S} s) with ${LIMIT} stages running (fake agent slow=1000, heartbeat 1 s), then started again`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      outageSeconds: (restartedAt - stoppedAt) / 1000,
      leasesRenewedAfterRestart: renewedAfterRestart,
      ...lossFigures,
      secondsFromRestartToAllTerminal: (ended - restartedAt) / 1000,
      ...checkedFigures(report),
    });
  }, 150_000);
});
