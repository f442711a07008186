import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { startPrivateNats, type PrivateServer } from '../../../libs/testing/src/private-servers';
import type { TestSystem } from '../../../test/support/system';
import { checkedFigures, checkFaultInvariants, expectNothingLost, waitForStagesRunning, startOnPrivateServer } from './fault.support';
import { useSuite } from '../../support/suite';

const LEASE_TTL_S = 3;
const OUTAGE_MS = 2 * LEASE_TTL_S * 1000;
const LIMIT = 3;
/** 6 lines 2.5 s apart: each stage runs ~12.5 s, longer than the outage, so every stage it cuts is still running when it ends */
const SLOW_MS = 2_500;

/** Fault 22: the NATS server stopped for two lease TTLs while stages run: no renewal and no heartbeat can be sent meanwhile. */
describe('fault 22: NATS down for longer than the lease TTL', () => {
  let nats: PrivateServer;
  let system: TestSystem;
  let client: NatsClient;

  useSuite(async (keep) => {
    nats = await startPrivateNats();
    ({ system, client } = await startOnPrivateServer(keep, nats, {
      natsUrl: nats.url,
      poolSize: LIMIT,
      pool: { leaseTtlS: LEASE_TTL_S },
      rules: { maxConcurrent: LIMIT, leaseTtlS: LEASE_TTL_S },
    }));
  });

  it('given stages running, when NATS stops for 2 TTLs and comes back, then the pool-manager gives every due lease a TTL to be heard from again, none expires, and every task completes', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(LIMIT, 'NATS away', `Work [[fake:slow=${SLOW_MS}]]`);
    await waitForStagesRunning(client, LIMIT);

    const stoppedAt = Date.now();
    await nats.stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await nats.start();
    const restartedAt = Date.now();

    const ended = await allTerminal(client, taskIds, 90_000);
    const poolLog = distinctEvents(await readEventLog(client, client.subjects.pool('default')));
    const grants = poolLog.filter(({ event }) => event.type === 'LeaseGranted' && event.occurredAt < new Date(stoppedAt).toISOString());
    // every lease held when NATS stopped fell due during the outage
    const lastExpiryBefore = Math.max(
      ...poolLog
        .filter(({ storedAtMs }) => storedAtMs < stoppedAt)
        .map(({ event }) => (event.type === 'LeaseGranted' || event.type === 'LeaseRenewed' ? Date.parse(event.data.expiresAt) : 0)),
    );
    expect(lastExpiryBefore).toBeLessThan(restartedAt);
    expect(grants).toHaveLength(LIMIT);
    const keptAfterReconnect = poolLog.filter(({ event, storedAtMs }) => event.type === 'LeaseRenewed' && storedAtMs >= restartedAt && (event.data.busBackAt !== undefined || event.data.heartbeatAt !== undefined));

    const report = await checkFaultInvariants(client, system, taskIds, { maxConcurrent: LIMIT, settleMs: 60_000 });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: taskIds.length });

    const { lossFigures } = await expectNothingLost(client);

    await recordFigures('fault-22-nats-outage-longer-than-lease', {
      fault: `nats-server stopped (SIGTERM) for ${OUTAGE_MS / 1000} s (lease TTL ${LEASE_TTL_S} s) with ${LIMIT} stages running (fake agent slow=${SLOW_MS}, heartbeat 1 s), then started on its store`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      outageSeconds: (restartedAt - stoppedAt) / 1000,
      leasesKeptAfterReconnectOnGrace: keptAfterReconnect.filter(({ event }) => event.type === 'LeaseRenewed' && event.data.busBackAt !== undefined).length,
      leasesKeptAfterReconnectOnHeartbeats: keptAfterReconnect.filter(({ event }) => event.type === 'LeaseRenewed' && event.data.heartbeatAt !== undefined).length,
      ...lossFigures,
      secondsFromRestartToAllTerminal: (ended - restartedAt) / 1000,
      ...checkedFigures(report),
    });
  }, 180_000);
});
