import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { checkInvariants, distinctEvents } from '../../../test/support/invariants';
import { connectTestClient } from '../../../libs/testing/src/nats';
import { startTestSystem, type TestSystem } from '../../../test/support/system';

/** Linux's limit on one argument (MAX_ARG_STRLEN): a prompt longer than this cannot be argv. */
const MAX_ARG_STRLEN = 128 * 1024;

/** Fault 10: a specification of 150 KB, so the next stages' prompts pass the OS limit on one argument. */
describe('fault 10: a 150 KB specification', () => {
  let system: TestSystem;
  let client: NatsClient;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'orch-fault10-'));
    system = await startTestSystem({
      poolSize: 3,
      rules: { maxConcurrent: 3, maxRetries: 1, retryBackoffBaseMs: 50, retryBackoffMaxMs: 200 },
      agentEnv: { FAKE_CLAUDE_LOG: path.join(scratch, 'fake.log') },
    });
    client = await connectTestClient(system.messaging);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await system?.stop();
    await rm(scratch, { recursive: true, force: true });
  }, 60_000);

  it('given agents that write a 150 KB specification, then implementation and QA get it whole on stdin and every task completes', async () => {
    const api = new ApiClient(system.baseUrl);
    const started = Date.now();
    const big = await api.createAndStart(2, 'Big spec', 'Specify at length [[fake:big-spec=150000]]');
    const healthy = await api.createAndStart(1, 'Healthy', 'Work');
    const taskIds = [...big, ...healthy];
    const ended = await allTerminal(client, taskIds, 60_000);

    const report = await checkInvariants({
      client,
      taskIds,
      maxConcurrent: 3,
      readModel: { messaging: system.messaging, databaseUrl: system.database.url },
      processes: { workspacesDir: system.workspacesDir, fakeClaudeLog: path.join(scratch, 'fake.log') },
    });
    expect(report.violations).toEqual([]);

    const events = distinctEvents(await readEventLog(client));
    const ofTask = (taskId: string) => events.filter(({ event }) => event.aggregateId === taskId).map(({ event }) => event);
    for (const taskId of taskIds) expect(ofTask(taskId).map((event) => event.type)).toContain('OrchestrationCompleted');
    expect(events.filter(({ event }) => event.type === 'StageFailed')).toEqual([]);

    // the specification went into the next stages' context whole, over the limit on one argument
    const specSizes = big.map((taskId) => {
      const spec = ofTask(taskId).flatMap((event) => (event.type === 'StageCompleted' && event.data.stageType === 'specification' ? [event.data.output] : []))[0] ?? '';
      expect(Buffer.byteLength(spec)).toBeGreaterThanOrEqual(150_000);
      for (const stageType of ['implementation', 'qa'] as const) {
        const scheduled = ofTask(taskId).find((event) => event.type === 'StageScheduled' && event.data.stageType === stageType);
        expect(scheduled?.type === 'StageScheduled' && scheduled.data.context.specification).toBe(spec);
      }
      return Buffer.byteLength(spec);
    });

    // and the agents of those stages read prompts longer than any argument may be
    const invocations = (await readFile(path.join(scratch, 'fake.log'), 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { prompt: string; argv: string[] });
    const bigPrompts = invocations.filter((invocation) => Buffer.byteLength(invocation.prompt) > MAX_ARG_STRLEN);
    expect(bigPrompts).toHaveLength(2 * 2); // implementation and QA of each big task
    for (const invocation of invocations) expect(invocation.argv).not.toContain(invocation.prompt);

    await recordFigures('fault-10-big-specification', {
      fault: '150 KB specification (big-spec=150000 ×2, healthy ×1), limit 3',
      tasks: taskIds.length,
      outcomes: report.outcomes,
      specificationBytes: specSizes,
      largestPromptBytes: Math.max(...invocations.map((invocation) => Buffer.byteLength(invocation.prompt))),
      promptsOverArgumentLimit: bigPrompts.length,
      secondsToAllTerminal: (ended - started) / 1000,
      eventsChecked: report.eventsChecked,
      attemptsChecked: report.attemptsChecked,
      readModelRowsEqualToRebuild: report.readModelRows,
      violations: report.violations.length,
    });
  }, 120_000);
});
