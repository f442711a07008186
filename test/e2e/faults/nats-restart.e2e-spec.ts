import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { probeApi, type ApiProbe } from '../../../libs/testing/src/api-probe';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { EventTail } from '../../../libs/testing/src/event-tail';
import { recordFigures } from '../../../libs/testing/src/figures';
import { checkInvariants } from '../../../test/support/invariants';
import { connectTestClient, eventually } from '../../../libs/testing/src/nats';
import { startPrivateNats, type PrivateServer } from '../../../libs/testing/src/private-servers';
import { startTestSystem, type TestSystem } from '../../../test/support/system';

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

  beforeAll(async () => {
    nats = await startPrivateNats();
    system = await startTestSystem({ natsUrl: nats.url, poolSize: LIMIT, rules: { maxConcurrent: LIMIT }, heartbeatTimeoutS: 10 });
    client = await connectTestClient(system.messaging);
  }, 60_000);

  afterAll(async () => {
    await probe?.stop();
    await nats?.start().catch(() => undefined);
    await client?.close();
    await system?.stop();
    await nats?.destroy();
  }, 60_000);

  it('given tasks in flight, when NATS stops for 4 s and comes back on its file store, then every task ends, nothing is lost or doubled, and the API answers 503 naming NATS meanwhile', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(8, 'Through a NATS restart', 'Work [[fake:slow=100]]');
    const tail = new EventTail(client);
    await eventually(async () => ((await tail.poll()).some(({ event }) => event.type === 'StageCompleted') ? true : undefined), 30_000, 'a first stage completed');
    const lastSeqBefore = (await client.jsm.streams.info(client.subjects.eventsStream)).state.last_seq;

    const running = probeApi(system.baseUrl, PROBED);
    probe = running;
    const stoppedAt = Date.now();
    await nats.stop('SIGTERM');
    await eventually(async () => (running.unavailable >= 1 ? true : undefined), OUTAGE_MS + 10_000, 'the API to answer 503');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt))));
    const outage = await running.stop('nats');
    await nats.start();
    const restartedAt = Date.now();

    // recovered: the log grows again past what it held, and the gateway is healthy
    await eventually(async () => ((await client.jsm.streams.info(client.subjects.eventsStream)).state.last_seq > lastSeqBefore ? true : undefined), 60_000, 'a new event after the restart');
    const progressAfterMs = Date.now() - restartedAt;
    await eventually(async () => ((await fetch(`${system.baseUrl}/health`)).ok ? true : undefined), 60_000, '/health to answer 200');
    const healthyAfterMs = Date.now() - restartedAt;
    const ended = await allTerminal(client, taskIds, 120_000);

    // a create answered 503 must not have made a task after all (the client would make another)
    const probeCreates = (await readEventLog(client, client.subjects.allTasks)).filter(({ event }) => event.type === 'TaskCreated' && event.data.title === PROBE_TITLE).length;
    const createAnswers = outage.byRoute[`POST /api/tasks`] ?? {};
    expect(probeCreates).toBe(createAnswers['201'] ?? 0);
    expect(outage.serverErrors).toEqual([]);
    expect(outage.byStatus['503']).toBeGreaterThan(0);
    expect(outage.allUnavailableNamed).toBe(true);
    const report = await checkInvariants({
      client,
      taskIds,
      maxConcurrent: LIMIT,
      readModel: { messaging: system.messaging, databaseUrl: system.database.url },
      processes: { workspacesDir: system.workspacesDir, fakeClaudeLog: null },
      settleMs: 60_000,
    });
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
      eventsChecked: report.eventsChecked,
      attemptsChecked: report.attemptsChecked,
      maxRunning: report.maxRunning,
      msFromAllTerminalToProjectionCaughtUp: report.projectionCaughtUpAfterMs,
      readModelRowsEqualToRebuild: report.readModelRows,
      violations: report.violations.length,
    });
  }, 240_000);
});
