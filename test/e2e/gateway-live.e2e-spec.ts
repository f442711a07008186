import { STAGE_TYPES, type MetricsSnapshot, type StageType } from '@app/contracts';
import { BoardClient, connectTestClient, eventUpdates, eventually, stageIs, taskIs } from '@app/testing';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { useSuite } from '../support/suite';
import { ApiClient, type ApiAnswer } from '../../libs/testing/src/api-client';

interface Json {
  [key: string]: unknown;
}

/** `name{labels} value` lines of a Prometheus exposition, as a map. */
function parsePrometheus(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}


describe('the board, live over Socket.IO, and the metrics', () => {
  let system: TestSystem;
  const clients: BoardClient[] = [];

  useSuite(async (keep) => {
    system = keep(await startTestSystem());
    keep(async () => {
      for (const client of clients) client.disconnect();
    });
  });

  const api = (method: string, path: string, body?: unknown): Promise<ApiAnswer<Json>> => new ApiClient(system.baseUrl).request<Json>(method, path, body);
  const board = async (taskId: string) => {
    const client = await BoardClient.connect({ baseUrl: system.baseUrl, board: true, taskIds: [taskId], afterSeq: 0, afterLogSeq: 0 });
    clients.push(client);
    return client;
  };

  it('given a started task, then stage-updates come for spec, implementation and QA in order, and a client that was away mid-run ends with exactly what a never-disconnected one saw', async () => {
    // given a slow task and two boards watching it from the start of the log
    const created = await api('POST', '/api/tasks', { title: 'Watch me live', description: 'Slow on purpose [[fake:slow=250]]' });
    const taskId = created.body.id as string;
    const steady = await board(taskId);
    const flaky = await board(taskId);

    // when it runs, and one board is away from the implementation until QA
    const started = await api('POST', '/api/orchestrator/start', { taskId });
    expect(started).toMatchObject({ status: 202, body: { taskId, status: 'running', currentStage: 'specification' } });
    await flaky.waitFor(stageIs(taskId, 'implementation', 'running'), 30_000, 'implementation running');
    flaky.disconnect();
    const seenBeforeLeaving = flaky.received.length;
    await steady.waitFor(stageIs(taskId, 'qa', 'running'), 30_000, 'QA running while the flaky board is away');
    const missed = steady.received.length - seenBeforeLeaving;
    const reply = await flaky.reconnect();
    await steady.waitFor(taskIs(taskId, 'done'), 30_000, 'the task done (steady)');
    await flaky.waitFor(taskIs(taskId, 'done'), 30_000, 'the task done (flaky)');
    await Promise.all([steady.settle(1_000, 10_000), flaky.settle(1_000, 10_000)]);

    // then the stages went spec → implementation → QA, each running then completed
    const stageUpdates = steady.of('stage-update').filter((update) => update.taskId === taskId && update.status !== 'pending');
    expect(stageUpdates.map((update) => `${update.stageType}:${update.status}`)).toEqual([
      'specification:running',
      'specification:completed',
      'implementation:running',
      'implementation:completed',
      'qa:running',
      'qa:completed',
    ]);
    const seqs = eventUpdates(steady.received).map((event) => (event.payload as { seq: number }).seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // and the agent's output came as log batches in ORCH_LOGS order
    const logs = steady.of('log');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((batch) => batch.taskId === taskId)).toBe(true);
    expect(logs.map((batch) => batch.seq)).toEqual([...logs.map((batch) => batch.seq)].sort((a, b) => a - b));
    // and the board that was away missed nothing and got nothing twice, of either stream
    expect(missed).toBeGreaterThan(0);
    expect(reply).toMatchObject({ ok: true });
    expect(flaky.of('resync')).toEqual([]);
    expect(eventUpdates(flaky.received)).toEqual(eventUpdates(steady.received));
    expect(flaky.of('log')).toEqual(logs);
    // and a board that subscribes to the board room gets a metrics snapshot
    expect(steady.of('metrics').length).toBeGreaterThan(0);
  }, 120_000);

  it('given a task that completes and one whose specification keeps failing, then /metrics and /api/metrics agree with the runs', async () => {
    // given the metrics so far, one task that passes and one whose agent always errors
    const before = (await api('GET', '/api/metrics')).body as unknown as MetricsSnapshot;
    const beforeText = parsePrometheus(await (await fetch(`${system.baseUrl}/metrics`)).text());
    const good = (await api('POST', '/api/tasks', { title: 'Passes', description: 'fine' })).body.id as string;
    const bad = (await api('POST', '/api/tasks', { title: 'Fails', description: 'broken [[fake:is-error]]' })).body.id as string;

    // when both run to their end
    await api('POST', '/api/orchestrator/start', { taskId: good });
    await api('POST', '/api/orchestrator/start', { taskId: bad });
    for (const [taskId, status] of [[good, 'done'], [bad, 'failed']] as const) {
      await eventually(async () => ((await api('GET', `/api/tasks/${taskId}`)).body.status === status ? true : undefined), 60_000, `task ${taskId} ${status}`);
    }
    const [badSpec] = (await api('GET', `/api/orchestrator/stages/${bad}`)).body as unknown as Array<{ attempt: number; status: string }>;
    const attempts = badSpec?.attempt ?? 0;

    // then one more run of each stage completed, every attempt of the bad spec failed, and nothing runs or waits
    const json = (await api('GET', '/api/metrics')).body as unknown as MetricsSnapshot;
    const completed = (stage: StageType) => before.stages[stage].completed + 1;
    expect(attempts).toBe(3);
    expect(json).toMatchObject({
      activeOrchestrations: 0,
      queueDepth: 0,
      stages: {
        specification: { completed: completed('specification'), failed: before.stages.specification.failed + attempts, cancelled: 0 },
        implementation: { completed: completed('implementation'), failed: 0 },
        qa: { completed: completed('qa'), failed: 0 },
      },
      containers: { total: 3, leased: 0, utilization: 0 },
      projection: { lag: 0 },
    });
    const allCompleted = STAGE_TYPES.reduce((sum, stage) => sum + json.stages[stage].completed, 0);
    expect(json.stageCompletionRate).toBeCloseTo(allCompleted / (allCompleted + json.stages.specification.failed));
    const response = await fetch(`${system.baseUrl}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const metrics = parsePrometheus(await response.text());
    const grew = (name: string) => (metrics.get(name) ?? Number.NaN) - (beforeText.get(name) ?? 0);
    expect(Object.fromEntries([...metrics].filter(([name]) => !name.includes('_bucket')))).toMatchObject({
      orch_active_orchestrations: 0,
      orch_queue_depth: 0,
      'orch_stage_completions_total{stage="specification"}': json.stages.specification.completed,
      'orch_stage_completions_total{stage="implementation"}': json.stages.implementation.completed,
      'orch_stage_completions_total{stage="qa"}': json.stages.qa.completed,
      'orch_stage_failures_total{stage="specification"}': json.stages.specification.failed,
      'orch_stage_failures_total{stage="implementation"}': 0,
      orch_container_utilization_ratio: 0,
      'orch_containers{state="free"}': 3,
      orch_projection_lag_events: 0,
    });
    expect(grew('orch_stage_completions_total{stage="qa"}')).toBe(1);
    expect(grew('orch_stage_failures_total{stage="specification"}')).toBe(attempts);
    expect(grew('orch_stage_duration_seconds_count{stage="specification"}')).toBe(1 + attempts);
    expect(grew('orch_stage_duration_seconds_bucket{le="+Inf",stage="implementation"}')).toBe(1);
    expect(metrics.get('orch_stage_duration_seconds_sum{stage="qa"}')).toBeGreaterThan(0);

    // and when a malformed command reaches the orchestrator, then it is counted as a dead letter of its consumer
    const client = await connectTestClient(system.messaging);
    await client.js.publish(client.subjects.command('StartOrchestration'), JSON.stringify({ not: 'an envelope' }));
    await client.close();
    const deadLetters = await eventually(async () => {
      const current = parsePrometheus(await (await fetch(`${system.baseUrl}/metrics`)).text());
      const count = current.get('orch_dead_letters{consumer="orchestrator-commands"}') ?? 0;
      return count - (beforeText.get('orch_dead_letters{consumer="orchestrator-commands"}') ?? 0) === 1 ? current : undefined;
    }, 15_000, 'the dead letter to be counted');
    expect(deadLetters.get('orch_dead_letters{consumer="orchestrator-commands"}')).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
