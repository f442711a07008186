import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { checkInvariants, distinctEvents } from '../../../test/support/invariants';
import { connectTestClient } from '../../../libs/testing/src/nats';
import { startTestSystem, type TestSystem } from '../../../test/support/system';

/** Fault 8: agents that exit non-zero, every time or only the first time, among healthy ones. */
describe('fault 8: an agent that exits non-zero', () => {
  let system: TestSystem;
  let client: NatsClient;
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'orch-fault8-'));
    system = await startTestSystem({
      poolSize: 3,
      rules: { maxConcurrent: 3, maxRetries: 2, retryBackoffBaseMs: 50, retryBackoffMaxMs: 200 },
      agentEnv: { FAKE_CLAUDE_LOG: path.join(scratch, 'fake.log'), FAKE_CLAUDE_STATE_DIR: path.join(scratch, 'state') },
    });
    client = await connectTestClient(system.messaging);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await system?.stop();
    await rm(scratch, { recursive: true, force: true });
  }, 60_000);

  it('given crashing agents among healthy ones, then crashes are retried, the always-crashing tasks fail with the exit code, the rest complete, nothing is left', async () => {
    const api = new ApiClient(system.baseUrl);
    const started = Date.now();
    const crashing = await api.createAndStart(2, 'Crashes always', 'Crash [[fake:exit1]]');
    const flaky = await api.createAndStart(2, 'Crashes once', 'Crash once [[fake:slow=50,fail-times=1]]');
    const healthy = await api.createAndStart(2, 'Healthy', 'Work [[fake:slow=50]]');
    const taskIds = [...crashing, ...flaky, ...healthy];
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
    const outcomeOf = (taskId: string) => events.filter(({ event }) => event.aggregateId === taskId).map(({ event }) => event.type).filter((type) => type.startsWith('Orchestration') && /Completed|Failed/.test(type));
    for (const taskId of crashing) expect(outcomeOf(taskId)).toEqual(['OrchestrationFailed']);
    for (const taskId of [...flaky, ...healthy]) expect(outcomeOf(taskId)).toEqual(['OrchestrationCompleted']);
    const failures = events.flatMap(({ event }) => (event.type === 'StageFailed' ? [event.data] : []));
    // the always-crashing ones: the first run and two retries of the specification; the flaky ones: one crash per stage
    expect(failures.filter((failure) => crashing.includes(failure.taskId))).toHaveLength(2 * 3);
    expect(failures.filter((failure) => flaky.includes(failure.taskId))).toHaveLength(2 * 3);
    for (const failure of failures.filter((entry) => crashing.includes(entry.taskId))) {
      expect(failure).toMatchObject({ exitCode: 1, retryable: true });
      expect(failure.reason).toContain('fatal: simulated crash');
    }

    await recordFigures('fault-8-agent-exits-nonzero', {
      fault: 'agent exits non-zero (exit1 always ×2, fail-times=1 ×2, healthy ×2), limit 3, 2 retries',
      tasks: taskIds.length,
      outcomes: report.outcomes,
      stageFailures: failures.length,
      secondsToAllTerminal: (ended - started) / 1000,
      eventsChecked: report.eventsChecked,
      attemptsChecked: report.attemptsChecked,
      maxRunning: report.maxRunning,
      agentPidsCheckedGone: report.pidsChecked,
      readModelRowsEqualToRebuild: report.readModelRows,
      violations: report.violations.length,
    });
  }, 120_000);
});
