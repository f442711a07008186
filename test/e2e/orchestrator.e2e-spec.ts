import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectTestClient, eventually, logFacts, readEventLog, type LoggedEvent } from '@app/testing';
import { newMessage } from '@app/contracts';
import { MessagePublisher, type NatsClient } from '@app/messaging';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { useSuite } from '../support/suite';

interface Task {
  id: string;
  status: string;
  retryCount: number;
  reworkCount: number;
  failureReason: string | null;
}
interface Stage {
  id: string;
  stageType: string;
  status: string;
  retryCount: number;
  attempt: number;
  stageRound: number;
}

describe('the orchestrator with the real NATS, Postgres and the fake agent', () => {
  let system: TestSystem;
  let client: NatsClient;
  let stateDir: string;

  useSuite(async (keep) => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'fake-claude-state-'));
    process.env.FAKE_CLAUDE_STATE_DIR = stateDir;
    keep(async () => {
      delete process.env.FAKE_CLAUDE_STATE_DIR;
    });
    keep(() => rm(stateDir, { recursive: true, force: true }));
    system = keep(await startTestSystem({
      rules: {
        maxConcurrent: 2,
        maxRetries: 2,
        maxRework: 2,
        stageTimeoutS: { specification: 3, implementation: 30, qa: 30 },
        retryBackoffBaseMs: 100,
        retryBackoffMaxMs: 400,
      },
    }));
    client = keep(await connectTestClient(system.messaging));
  });

  const api = async <T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${system.baseUrl}${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  };
  const createTask = async (title: string, description = '') => (await api<Task>('POST', '/api/tasks', { title, description })).body.id;
  const start = (taskId: string) => api('POST', '/api/orchestrator/start', { taskId });
  const waitForStatus = (taskId: string, statuses: string[], timeoutMs = 30_000) =>
    eventually(async () => {
      const task = (await api<Task>('GET', `/api/tasks/${taskId}`)).body;
      return statuses.includes(task.status) ? task : undefined;
    }, timeoutMs, `task ${taskId} to be ${statuses.join(' or ')}`);
  const stagesOf = async (taskId: string) => (await api<Stage[]>('GET', `/api/orchestrator/stages/${taskId}`)).body;
  const eventsOf = (events: LoggedEvent[], taskId: string) => events.filter((item) => item.subject === client.subjects.task(taskId)).map((item) => item.event);

  it('given the limit is 2, when 10 tasks start together, then never more than 2 run, all finish, admitted in start order', async () => {
    const taskIds: string[] = [];
    for (let i = 0; i < 10; i += 1) taskIds.push(await createTask(`Batch ${i}`, '[[fake:slow=15]]'));
    for (const taskId of taskIds) expect((await start(taskId)).status).toBe(202);
    for (const taskId of taskIds) await waitForStatus(taskId, ['done'], 60_000);
    const facts = logFacts(await readEventLog(client));
    expect(facts.maxRunning).toBe(2);
    expect(facts.admissionOrder.filter((id) => taskIds.includes(id))).toEqual(taskIds);
    for (const taskId of taskIds) expect(facts.outcomes.get(taskId)).toBe('OrchestrationCompleted');
    for (const count of facts.startsPerAttempt.values()) expect(count).toBe(1);
    for (const count of facts.terminalsPerAttempt.values()) expect(count).toBe(1);
  }, 90_000);

  it('given a stage fails twice then passes, then it ends completed with retry_count 2', async () => {
    const taskId = await createTask('Flaky', '[[fake:fail-times=2]]');
    await start(taskId);
    const task = await waitForStatus(taskId, ['done', 'failed']);
    expect(task.status).toBe('done');
    const spec = (await stagesOf(taskId)).find((stage) => stage.stageType === 'specification');
    expect(spec).toMatchObject({ status: 'completed', retryCount: 2, attempt: 3 });
  }, 60_000);

  it('given a failure a retry cannot mend, then the task fails at once without retries', async () => {
    const taskId = await createTask('Unknown command', '[[fake:unknown-command]]');
    await start(taskId);
    const task = await waitForStatus(taskId, ['failed', 'done']);
    expect(task.status).toBe('failed');
    expect(task.failureReason).toMatch(/slash command/);
    const facts = logFacts(await readEventLog(client, client.subjects.task(taskId)));
    expect([...facts.startsPerAttempt.keys()]).toHaveLength(1);
  }, 60_000);

  it('given QA rejects once, then implementation runs twice and the task is done', async () => {
    const taskId = await createTask('Needs rework', '[[fake:qa-fail-times=1]]');
    await start(taskId);
    const task = await waitForStatus(taskId, ['done', 'failed']);
    expect(task).toMatchObject({ status: 'done', reworkCount: 1 });
    const stages = await stagesOf(taskId);
    expect(stages.map((stage) => `${stage.stageType}#${stage.stageRound}:${stage.status}`)).toEqual([
      'specification#0:completed',
      'implementation#0:completed',
      'qa#0:completed',
      'implementation#1:completed',
      'qa#1:completed',
    ]);
    const implementation = (await stagesOf(taskId)).filter((stage) => stage.stageType === 'implementation');
    expect(implementation).toHaveLength(2);
  }, 60_000);

  it('given an agent that hangs, then the stage is timed out and retried, each attempt ending once', async () => {
    const taskId = await createTask('Hangs', '[[fake:hang]]');
    await start(taskId);
    const task = await waitForStatus(taskId, ['failed', 'done'], 60_000);
    expect(task.status).toBe('failed');
    expect(task.failureReason).toMatch(/timed out|deadline/);
    const events = eventsOf(await readEventLog(client, client.subjects.task(taskId)), taskId);
    expect(events.filter((event) => event.type === 'StageTimedOut').map((event) => event.type === 'StageTimedOut' && event.data.attempt)).toEqual([1, 2, 3]);
    expect(events.filter((event) => event.type === 'StageRetryScheduled')).toHaveLength(2);
    const facts = logFacts(await readEventLog(client, client.subjects.task(taskId)));
    for (const count of facts.terminalsPerAttempt.values()) expect(count).toBe(1);
  }, 60_000);

  it('given a running task and a queued one, when the running one is cancelled, then the queued one gets its slot', async () => {
    const blockers = [await createTask('Blocker A', '[[fake:slow=400]]'), await createTask('Blocker B', '[[fake:slow=400]]')];
    const waiting = await createTask('Waiting');
    for (const taskId of [...blockers, waiting]) await start(taskId);
    await waitForStatus(waiting, ['queued'], 10_000);
    await waitForStatus(blockers[0]!, ['running'], 10_000);
    const cancel = await api('POST', `/api/orchestrator/cancel/${blockers[0]}`, { reason: 'changed my mind' });
    if (cancel.status === 404) {
      // the gateway's cancel route may not exist yet: cancel through the command directly
      await new MessagePublisher(client).send(newMessage('CancelOrchestration', blockers[0]!, { taskId: blockers[0]!, reason: 'changed my mind' }, { producer: 'test', occurredAt: new Date().toISOString() }));
    }
    const cancelled = await waitForStatus(blockers[0]!, ['cancelled'], 10_000);
    expect(cancelled.status).toBe('cancelled');
    await waitForStatus(waiting, ['done'], 30_000);
    await waitForStatus(blockers[1]!, ['done'], 30_000);
    const facts = logFacts(await readEventLog(client));
    expect(facts.maxRunning).toBeLessThanOrEqual(2);
    expect(facts.outcomes.get(blockers[0]!)).toBe('OrchestrationCancelled');
  }, 60_000);
});
