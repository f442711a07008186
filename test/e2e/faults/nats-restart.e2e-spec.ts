import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { probeApi, type ApiProbe } from '../../../libs/testing/src/api-probe';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { eventually } from '../../../libs/testing/src/nats';
import { startPrivateNats, type PrivateServer } from '../../../libs/testing/src/private-servers';
import type { TestSystem } from '../../../test/support/system';
import { checkFaultInvariants, checkedFigures, expectUnavailableNamed, waitForFirstStageCompleted, lastEventSeq, waitUntil, startOnPrivateServer } from './fault.support';
import { useSuite } from '../../support/suite';

const OUTAGE_MS = 4_000;
const LIMIT = 3;
const PROBE_TITLE = 'Probe while NATS is down';
const PROBED = [
  '/health',
  '/api/tasks',
  '/api/orchestrator/queue',
  '/api/pool',
  { method: 'POST', route: '/api/tasks', body: { title: PROBE_TITLE, description: 'never started' } },
  { method: 'POST', route: '/api/orchestrator/start', body: { taskId: '00000000-0000-4000-8000-000000000000' } },
];

/** Fault 3: the NATS server (file storage) restarted with tasks in flight; a private server, so no other suite notices. */
describe('fault 3: NATS restarted with tasks in flight', () => {
  let nats: PrivateServer;
  let system: TestSystem;
  let client: NatsClient;
  let probe: ApiProbe | undefined;

  useSuite(async (keep) => {
    nats = await startPrivateNats();
    ({ system, client } = await startOnPrivateServer(keep, nats, { natsUrl: nats.url, poolSize: LIMIT, rules: { maxConcurrent: LIMIT }, heartbeatTimeoutS: 10 }));
    keep(() => probe?.stop());
  });

  it('given tasks in flight, when NATS stops for 4 s and comes back on its file store, then every task ends, nothing is lost or doubled, and the API answers 503 naming NATS meanwhile', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(8, 'Through a NATS restart', 'Work [[fake:slow=100]]');
    await waitForFirstStageCompleted(client);
    const lastSeqBefore = await lastEventSeq(client);

    const running = probeApi(system.baseUrl, PROBED);
    probe = running;
    const stoppedAt = Date.now();
    await nats.stop('SIGTERM');
    await eventually(async () => (running.unavailable >= 1 ? true : undefined), OUTAGE_MS + 10_000, 'the API to answer 503');
    await waitUntil(stoppedAt, OUTAGE_MS);
    const outage = await running.stop('nats');
    await nats.start();
    const restartedAt = Date.now();

    // recovered: the log grows again past what it held, and the gateway is healthy
    await eventually(async () => ((await lastEventSeq(client)) > lastSeqBefore ? true : undefined), 60_000, 'a new event after the restart');
    const progressAfterMs = Date.now() - restartedAt;
    await eventually(async () => ((await fetch(`${system.baseUrl}/health`)).ok ? true : undefined), 60_000, '/health to answer 200');
    const healthyAfterMs = Date.now() - restartedAt;
    const ended = await allTerminal(client, taskIds, 120_000);

    // a create answered 503 must not have made a task after all (the client would make another)
    const probeCreates = (await readEventLog(client, client.subjects.allTasks)).filter(({ event }) => event.type === 'TaskCreated' && event.data.title === PROBE_TITLE).length;
    const createAnswers = outage.byRoute[`POST /api/tasks`] ?? {};
    expect(probeCreates).toBe(createAnswers['201'] ?? 0);
    expectUnavailableNamed(outage);
    const report = await checkFaultInvariants(client, system, taskIds, { maxConcurrent: LIMIT, settleMs: 60_000 });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: taskIds.length });
    expect((await client.jsm.streams.info(client.subjects.eventsStream)).state.first_seq).toBe(1);

    await recordFigures('fault-3-nats-restart', {
      fault: `nats-server (JetStream, file store) stopped with SIGTERM for ${OUTAGE_MS / 1000} s and started on the same store, 8 tasks in flight, limit ${LIMIT}`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      eventsBeforeTheStop: lastSeqBefore,
      apiDuringOutage: outage.byStatus,
      taskCreatesDuringOutage: createAnswers,
      taskCreatesStored: probeCreates,
      apiServerErrors: outage.serverErrors.length,
      apiSlowestAnswerMs: outage.slowestMs,
      msFromRestartToFirstNewEvent: progressAfterMs,
      msFromRestartToHealthy: healthyAfterMs,
      secondsFromRestartToAllTerminal: (ended - restartedAt) / 1000,
      maxRunning: report.maxRunning,
      msFromAllTerminalToProjectionCaughtUp: report.projectionCaughtUpAfterMs,
      ...checkedFigures(report),
    });
  }, 240_000);
});
