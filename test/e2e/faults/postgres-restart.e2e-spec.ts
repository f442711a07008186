import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { probeApi, type ApiProbe } from '../../../libs/testing/src/api-probe';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { eventually } from '../../../libs/testing/src/nats';
import { startPrivatePostgres, type PrivatePostgres } from '../../../libs/testing/src/private-servers';
import { projectedSequence } from '../../../test/support/read-model';
import type { TestSystem } from '../../../test/support/system';
import { checkFaultInvariants, checkedFigures, expectUnavailableNamed, waitForFirstStageCompleted, lastEventSeq, waitUntil, startOnPrivateServer } from './fault.support';
import { useSuite } from '../../support/suite';

const OUTAGE_MS = 5_000;
const LIMIT = 3;
const PROBED = ['/health', '/api/tasks', '/api/orchestrator/queue', '/api/pool', '/api/metrics'];

/** Fault 4: Postgres (the read model) crashed and restarted with tasks in flight; a private cluster, so no other suite notices. */
describe('fault 4: Postgres restarted with tasks in flight', () => {
  let postgres: PrivatePostgres;
  let system: TestSystem;
  let client: NatsClient;
  let probe: ApiProbe | undefined;

  useSuite(async (keep) => {
    postgres = await startPrivatePostgres();
    ({ system, client } = await startOnPrivateServer(keep, postgres, { databaseAdminUrl: postgres.adminUrl, poolSize: LIMIT, rules: { maxConcurrent: LIMIT } }));
    keep(() => probe?.stop());
  });

  it('given tasks in flight, when Postgres crashes for 5 s and restarts, then the work goes on, the read model catches up equal to a rebuild, and the API answers 503 naming Postgres meanwhile', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(8, 'Through a Postgres restart', 'Work [[fake:slow=100]]');
    await waitForFirstStageCompleted(client);

    const running = probeApi(system.baseUrl, PROBED);
    probe = running;
    const stoppedAt = Date.now();
    await postgres.stop('SIGKILL');
    const lastSeqAtCrash = await lastEventSeq(client);
    await eventually(async () => (running.unavailable >= 1 ? true : undefined), OUTAGE_MS + 10_000, 'the API to answer 503');
    // a task created while the read model is down is not lost: it is an event
    const createdDuringOutage = await api.request<{ id?: string }>('POST', '/api/tasks', { title: 'Created while Postgres is down', description: 'Work [[fake:slow=20]]' });
    await waitUntil(stoppedAt, OUTAGE_MS);
    const eventsDuringOutage = (await lastEventSeq(client)) - lastSeqAtCrash;
    const outage = await running.stop('postgres');
    await postgres.start();
    const restartedAt = Date.now();

    await eventually(async () => ((await fetch(`${system.baseUrl}/health`)).ok ? true : undefined), 60_000, '/health to answer 200');
    const healthyAfterMs = Date.now() - restartedAt;
    const lastSeq = await lastEventSeq(client);
    await eventually(async () => ((await projectedSequence(system.database.url)) >= lastSeq ? true : undefined), 60_000, 'the projection to catch up');
    const caughtUpAfterMs = Date.now() - restartedAt;

    // whatever the answer, a create whose event was stored made a task: it is started and must end like the others
    const stored = (await readEventLog(client, client.subjects.allTasks)).find(({ event }) => event.type === 'TaskCreated' && event.data.title === 'Created while Postgres is down');
    const extra = createdDuringOutage.body.id ?? stored?.event.aggregateId;
    if (extra) {
      taskIds.push(extra);
      expect((await api.start(extra)).status).toBe(202);
    }
    const ended = await allTerminal(client, taskIds, 120_000);

    expectUnavailableNamed(outage);
    // a 503 must mean nothing was stored; a stored task must be answered 201
    expect(createdDuringOutage.status === 201).toBe(stored !== undefined);
    const report = await checkFaultInvariants(client, system, taskIds, { maxConcurrent: LIMIT, adminUrl: postgres.adminUrl });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: taskIds.length });

    await recordFigures('fault-4-postgres-restart', {
      fault: `Postgres (private cluster) stopped with pg_ctl -m immediate (a crash) for ${OUTAGE_MS / 1000} s and started again, 8 tasks in flight, limit ${LIMIT}`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      eventsAppendedWhilePostgresWasDown: eventsDuringOutage,
      taskCreateDuringOutage: createdDuringOutage.status,
      taskCreatedDuringOutageWasStored: stored !== undefined,
      apiDuringOutage: outage.byStatus,
      apiServerErrors: outage.serverErrors.length,
      apiSlowestAnswerMs: outage.slowestMs,
      msFromRestartToHealthy: healthyAfterMs,
      msFromRestartToProjectionCaughtUp: caughtUpAfterMs,
      secondsFromRestartToAllTerminal: (ended - restartedAt) / 1000,
      maxRunning: report.maxRunning,
      ...checkedFigures(report),
    });
  }, 240_000);
});
