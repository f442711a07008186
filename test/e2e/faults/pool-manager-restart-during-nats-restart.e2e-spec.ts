import type { INestMicroservice } from '@nestjs/common';
import type { NatsClient } from '@app/messaging';
import { ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { connectTestClient } from '../../../libs/testing/src/nats';
import { startPrivateNats, type PrivateServer } from '../../../libs/testing/src/private-servers';
import { startTestPool, startTestSystem, type TestSystem } from '../../../test/support/system';
import { checkedFigures, waitForFirstStageCompleted, lastEventSeq, waitUntil, expectAllCompleted } from './fault.support';
import { useSuite } from '../../support/suite';

const OUTAGE_MS = 4_000;
const LIMIT = 3;

/** Fault 19: combined — the pool-manager stopped as NATS stops, NATS back 4 s later, then the pool-manager started again. */
describe('fault 19: a pool-manager restart during a NATS restart', () => {
  let nats: PrivateServer;
  let system: TestSystem;
  let client: NatsClient;
  let pool: INestMicroservice | null = null;
  const poolOptions = { poolSize: LIMIT };

  useSuite(async (keep) => {
    nats = await startPrivateNats();
    keep(() => nats?.destroy());
    system = keep(await startTestSystem({ natsUrl: nats.url, poolManager: false, poolSize: LIMIT, rules: { maxConcurrent: LIMIT }, heartbeatTimeoutS: 10 }));
    pool = await startTestPool(system.messaging, system.workspacesDir, poolOptions);
    client = keep(await connectTestClient(system.messaging));
    keep(() => pool?.close());
    keep(() => nats?.start().catch(() => undefined));
  });

  it('given tasks in flight, when the pool-manager stops as NATS stops and both come back, then every task completes and nothing is lost or doubled', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(6, 'Pool-manager and NATS away', 'Work [[fake:slow=300]]');
    await waitForFirstStageCompleted(client);
    const lastSeqBefore = await lastEventSeq(client);

    const stoppedAt = Date.now();
    const stopping = pool;
    pool = null;
    await Promise.all([stopping?.close(), nats.stop('SIGTERM')]);
    await waitUntil(stoppedAt, OUTAGE_MS);
    await nats.start();
    const natsBackAt = Date.now();
    pool = await startTestPool(system.messaging, system.workspacesDir, poolOptions);
    const poolBackAt = Date.now();

    const { ended, report } = await expectAllCompleted(client, system, taskIds, 120_000, { maxConcurrent: LIMIT, settleMs: 60_000 });
    expect((await client.jsm.streams.info(client.subjects.eventsStream)).state.first_seq).toBe(1);

    const events = distinctEvents(await readEventLog(client));
    const after = events.filter(({ seq }) => seq > lastSeqBefore);
    // a slot is never leased twice at once, across the restart: each grant of a slot comes after its previous lease ended
    const holder = new Map<number, string>();
    const doubleGrants: string[] = [];
    for (const { event } of events) {
      if (event.type === 'LeaseGranted') {
        const current = holder.get(event.data.slot);
        if (current !== undefined) doubleGrants.push(`slot ${event.data.slot}: ${event.data.leaseId} granted while ${current} held it`);
        holder.set(event.data.slot, event.data.leaseId);
      }
      if ((event.type === 'LeaseReleased' || event.type === 'LeaseExpired' || event.type === 'LeaseRevoked') && holder.get(event.data.slot) === event.data.leaseId) holder.delete(event.data.slot);
    }
    expect(doubleGrants).toEqual([]);
    const granted = events.filter(({ event }) => event.type === 'LeaseGranted').length;
    await recordFigures('fault-19-pool-manager-restart-during-nats-restart', {
      fault: `pool-manager (in-process) stopped as the private nats-server stopped (SIGTERM); NATS back after ${OUTAGE_MS / 1000} s, then the pool-manager started again; 6 tasks in flight, limit ${LIMIT}`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      msFromNatsBackToPoolBack: poolBackAt - natsBackAt,
      msFromPoolBackToFirstNewEvent: after[0] === undefined ? null : Math.round(after[0].storedAtMs - poolBackAt),
      leasesGranted: granted,
      leasesExpiredOrRevoked: events.filter(({ event }) => event.type === 'LeaseExpired' || event.type === 'LeaseRevoked').length,
      attemptsCut: events.filter(({ event }) => event.type === 'StageTimedOut' || event.type === 'StageFailed').length,
      secondsFromStopToAllTerminal: (ended - stoppedAt) / 1000,
      ...checkedFigures(report),
    });
  }, 240_000);
});
