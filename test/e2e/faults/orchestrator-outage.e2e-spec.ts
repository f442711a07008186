import type { INestMicroservice } from '@nestjs/common';
import type { NatsClient } from '@app/messaging';
import { ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { connectTestClient } from '../../../libs/testing/src/nats';
import { startTestOrchestrator, startTestPool, startTestSystem, type TestSystem } from '../../../test/support/system';
import { checkedFigures, expectAllCompleted, expectNothingLost, waitForStagesRunning } from './fault.support';
import { useSuite } from '../../support/suite';

const LEASE_TTL_S = 3;
const OUTAGE_MS = 3 * LEASE_TTL_S * 1000;
const LIMIT = 3;
/** 6 lines 2.5 s apart: each stage runs ~12.5 s, longer than the outage, so every stage it cuts is still running when it ends */
const SLOW_MS = 2_500;

/** Fault 21: the orchestrator — which renews the leases on the runner's heartbeats — stopped for three lease TTLs while stages run. */
describe('fault 21: the orchestrator down for longer than the lease TTL', () => {
  let system: TestSystem;
  let client: NatsClient;
  let orchestrator: INestMicroservice | null = null;
  const rules = { maxConcurrent: LIMIT, leaseTtlS: LEASE_TTL_S };

  useSuite(async (keep) => {
    system = keep(await startTestSystem({ orchestrator: false, poolManager: false, rules }));
    keep(() => client?.close());
    keep(await startTestPool(system.messaging, system.workspacesDir, { poolSize: LIMIT, pool: { leaseTtlS: LEASE_TTL_S } }));
    orchestrator = await startTestOrchestrator(system.messaging, { rules });
    client = await connectTestClient(system.messaging);
    keep(() => orchestrator?.close());
  });

  it('given stages running and heartbeating, when the orchestrator is stopped for 3 TTLs and started again, then the pool-manager keeps every lease on the heartbeats and no stage fails', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(LIMIT, 'Orchestrator away', `Work [[fake:slow=${SLOW_MS}]]`);
    await waitForStagesRunning(client, LIMIT);

    const stoppedAt = Date.now();
    await orchestrator?.close();
    orchestrator = null;
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const poolLog = distinctEvents(await readEventLog(client, client.subjects.pool('default')));
    // no RenewLease was sent meanwhile: the leases lived on the heartbeats the pool-manager read
    const keptOnHeartbeats = poolLog.filter(({ event, storedAtMs }) => event.type === 'LeaseRenewed' && event.data.heartbeatAt !== undefined && storedAtMs >= stoppedAt);
    expect(poolLog.filter(({ event }) => event.type === 'LeaseExpired')).toEqual([]);
    expect(new Set(keptOnHeartbeats.map(({ event }) => (event.type === 'LeaseRenewed' ? event.data.leaseId : '')))).toHaveProperty('size', LIMIT);
    const restartedAt = Date.now();
    orchestrator = await startTestOrchestrator(system.messaging, { rules });

    const { ended, report } = await expectAllCompleted(client, system, taskIds, 90_000, { maxConcurrent: LIMIT });

    const { lossFigures } = await expectNothingLost(client);

    await recordFigures('fault-21-orchestrator-outage', {
      fault: `orchestrator stopped for ${OUTAGE_MS / 1000} s (lease TTL ${LEASE_TTL_S} s) with ${LIMIT} stages running (fake agent slow=${SLOW_MS}, heartbeat 1 s), then started again`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      outageSeconds: (restartedAt - stoppedAt) / 1000,
      leasesKeptOnHeartbeatsDuringOutage: keptOnHeartbeats.length,
      ...lossFigures,
      secondsFromRestartToAllTerminal: (ended - restartedAt) / 1000,
      ...checkedFigures(report),
    });
  }, 180_000);
});
