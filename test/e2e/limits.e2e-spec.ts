import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectTestClient, eventually, readEventLog } from '@app/testing';
import type { NatsClient } from '@app/messaging';
import { startTestSystem, type TestSystem } from '../../test/support/system';

interface Task {
  id: string;
  status: string;
  failureReason: string | null;
}

/** the request's token: a budget raise names it */
const CAROL = 'carol-token-0123456789';
const AUTH = { authorization: `Bearer ${CAROL}` };
const JSON_AUTH = { ...AUTH, 'content-type': 'application/json' };

/**
 * The model API's rate and usage limits, with the apps together: a stage the limit ends is
 * parked and runs again when it lifts, using no retry — with ORCHESTRATOR_MAX_RETRIES=0 a
 * single counted retry would fail the task.
 */
describe('rate and usage limits park stages instead of failing them', () => {
  let system: TestSystem;
  let client: NatsClient;
  let stateDir: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(tmpdir(), 'fake-claude-limits-'));
    process.env.FAKE_CLAUDE_STATE_DIR = stateDir;
    system = await startTestSystem({ rules: { maxRetries: 0, parkBackoffBaseMs: 300, parkBackoffMaxMs: 1_000 }, gateway: { apiTokens: [{ name: 'carol', token: CAROL }] } });
    client = await connectTestClient(system.messaging);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await system?.stop();
    await rm(stateDir, { recursive: true, force: true });
    delete process.env.FAKE_CLAUDE_STATE_DIR;
  }, 60_000);

  const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${system.baseUrl}${route}`, {
      method,
      headers: body === undefined ? AUTH : JSON_AUTH,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as T;
  };

  it('given every stage meets a 429 once (after the CLI\'s own retries), then each is parked, runs again after the retry delay the CLI named, and the task is done with no retry used', async () => {
    const { id: taskId } = await api<Task>('POST', '/api/tasks', { title: 'Rate-limited', description: '[[fake:rate-limit-429,limit-times=1,retry-delay-ms=700]]' });
    await api('POST', '/api/orchestrator/start', { taskId });

    const task = await eventually(async () => {
      const current = await api<Task>('GET', `/api/tasks/${taskId}`);
      return current.status === 'done' || current.status === 'failed' ? current : undefined;
    }, 60_000, 'the task to end');
    expect(task).toMatchObject({ status: 'done', failureReason: null });

    const events = (await readEventLog(client, client.subjects.task(taskId))).map((item) => item.event);
    const parked = events.flatMap((event) => (event.type === 'StageParked' ? [event.data] : []));
    expect(parked.map((data) => `${data.stageType}#${data.attempt}:${data.limit}`)).toEqual(['specification#1:rate-limit', 'implementation#1:rate-limit', 'qa#1:rate-limit']);
    expect(parked.every((data) => data.credential === 'default' && data.resetAt !== null)).toBe(true);
    // each parked attempt's next one was due when the CLI's last retry would have tried again
    const resumes = events.flatMap((event) => (event.type === 'StageRetryScheduled' ? [event.data] : []));
    expect(resumes.map((data) => data.nextAttempt)).toEqual([2, 2, 2]);
    for (const resume of resumes) expect(resume.delayMs).toBeGreaterThan(0);
    expect(events.some((event) => event.type === 'StageFailed' || event.type === 'OrchestrationFailed')).toBe(false);

    const metrics = await (await fetch(`${system.baseUrl}/metrics`, { headers: AUTH })).text();
    for (const stage of ['specification', 'implementation', 'qa']) {
      expect(metrics).toContain(`orch_stages_parked_total{stage="${stage}"} 1`);
      expect(metrics).toMatch(new RegExp(`orch_stage_parked_wait_seconds_total\\{stage="${stage}"\\} 0\\.\\d+`));
    }
  }, 90_000);

  it('given a subscription usage limit that names its reset, then the stage waits until then, holding no lease, and dispatch on its credential pauses: a task started meanwhile is queued and admitted at the reset', async () => {
    // (time enough for a second task to be started before the reset)
    const resetS = Math.ceil(Date.now() / 1000) + 6;
    const { id: taskId } = await api<Task>('POST', '/api/tasks', { title: 'Usage-limited', description: `[[fake:usage-limit=${resetS},limit-times=1]]` });
    await api('POST', '/api/orchestrator/start', { taskId });

    const stage = await eventually(async () => {
      const stages = await api<Array<{ stageType: string; status: string; parkedLimit: string | null; parkedUntil: string | null }>>('GET', `/api/orchestrator/stages/${taskId}`);
      return stages.find((candidate) => candidate.parkedUntil !== null);
    }, 30_000, 'the specification to be parked');
    expect(stage).toMatchObject({ stageType: 'specification', status: 'pending', parkedLimit: 'usage-limit', parkedUntil: new Date(resetS * 1000).toISOString() });
    // its container is given back while it waits
    await eventually(async () => {
      const pool = await api<{ slots: Array<{ lease: { taskId: string } | null }> }>('GET', '/api/pool');
      return pool.slots.every((slot) => slot.lease?.taskId !== taskId) ? true : undefined;
    }, 10_000, 'the parked task to hold no lease');
    // dispatch on the credential pauses until the reset: the scheduler records it, /metrics and /api/metrics show it
    const until = new Date(resetS * 1000).toISOString();
    const paused = (await readEventLog(client, client.subjects.scheduler)).flatMap((item) => (item.event.type === 'CredentialPaused' && item.event.data.taskId === taskId ? [item.event.data] : []));
    expect(paused).toEqual([{ credential: 'default', until, taskId, limit: 'usage-limit' }]);
    // (the read model shows it once it has applied the park and its retry)
    await eventually(async () => ((await (await fetch(`${system.baseUrl}/metrics`, { headers: AUTH })).text()).match(/^orch_credentials_paused 1$/m) ? true : undefined), 5_000, 'the gauge of paused credentials');
    expect((await api<{ pausedCredentials: unknown }>('GET', '/api/metrics')).pausedCredentials).toEqual([{ credential: 'default', until }]);
    // another task started meanwhile, a slot free, is held in the queue until the reset
    const { id: heldId } = await api<Task>('POST', '/api/tasks', { title: 'Held back', description: 'Runs after the reset' });
    await api('POST', '/api/orchestrator/start', { taskId: heldId });
    expect(Date.now()).toBeLessThan(resetS * 1000);

    const done = await eventually(async () => {
      const current = await api<Task>('GET', `/api/tasks/${taskId}`);
      return current.status === 'done' || current.status === 'failed' ? current : undefined;
    }, 60_000, 'the task to end');
    expect(done.status).toBe('done');
    const started = (await readEventLog(client, client.subjects.task(taskId))).flatMap((item) => (item.event.type === 'StageStarted' && item.event.data.stageType === 'specification' ? [item.event] : []));
    expect(Date.parse(started[1]?.occurredAt ?? '')).toBeGreaterThanOrEqual(resetS * 1000);
    const held = await eventually(async () => {
      const current = await api<Task>('GET', `/api/tasks/${heldId}`);
      return current.status === 'done' || current.status === 'failed' ? current : undefined;
    }, 60_000, 'the held task to end');
    expect(held.status).toBe('done');
    // it was queued with a slot free, and admitted at the reset, not before (the parked task kept its slot)
    const admissions = (await readEventLog(client, client.subjects.scheduler)).flatMap((item) => (item.event.type.startsWith('Orchestration') && 'taskId' in item.event.data && item.event.data.taskId === heldId ? [item.event] : []));
    expect(admissions.map((event) => event.type)).toEqual(['OrchestrationQueued', 'OrchestrationAdmitted', 'OrchestrationReleased']);
    expect(Date.parse(admissions[1]?.occurredAt ?? '')).toBeGreaterThanOrEqual(resetS * 1000);
  }, 90_000);

  it('given a task with a budget of $0.10 whose agent costs $0.05 a line, then the CLI stops at the budget, the task waits for a raise holding no lease, and after a raise the stage runs again and the task is done', async () => {
    const { id: taskId } = await api<Task>('POST', '/api/tasks', { title: 'Costly', description: '[[fake:cost-per-line=0.05]]', budgetUsd: 0.1 });
    expect((await api<{ budgetUsd: number | null }>('GET', `/api/tasks/${taskId}`)).budgetUsd).toBe(0.1);
    await api('POST', '/api/orchestrator/start', { taskId });
    const taskEvents = async () => (await readEventLog(client, client.subjects.task(taskId))).map((item) => item.event);

    const waiting = await eventually(async () => (await taskEvents()).find((event) => event.type === 'TaskWaiting'), 30_000, 'the task to wait for its budget');
    expect(waiting.type === 'TaskWaiting' && waiting.data.waitingFor).toMatchObject({ kind: 'budget', budgetUsd: 0.1, next: { stageType: 'specification', round: 0 } });
    const before = await taskEvents();
    expect(before.flatMap((event) => (event.type === 'StageParked' ? [event.data.limit] : []))).toEqual(['budget']);
    expect(before.some((event) => event.type === 'TaskBudgetWarning')).toBe(true);
    await eventually(async () => {
      const pool = await api<{ slots: Array<{ lease: { taskId: string } | null }> }>('GET', '/api/pool');
      return pool.slots.every((slot) => slot.lease?.taskId !== taskId) ? true : undefined;
    }, 10_000, 'the waiting task to hold no lease');
    // the API shows what it waits for, without the stage it goes on with; a decision is no way out of it
    const shown = await eventually(async () => {
      const current = await api<{ status: string; waitingFor: unknown }>('GET', `/api/tasks/${taskId}`);
      return current.status === 'waiting' ? current.waitingFor : undefined;
    }, 10_000, 'the read model to show the task waiting');
    expect(shown).toEqual({ kind: 'budget', budgetUsd: 0.1, spentUsd: expect.any(Number), scope: 'task' });
    const decided = await fetch(`${system.baseUrl}/api/tasks/${taskId}/decisions`, { method: 'POST', headers: JSON_AUTH, body: JSON.stringify({ decision: 'approve', revision: 'f'.repeat(64) }) });
    expect(decided.status).toBe(409);
    expect(await decided.json()).toMatchObject({ fields: [expect.objectContaining({ field: 'id' })] });

    // a "raise" to the budget it has is refused, naming the field
    const refused = await fetch(`${system.baseUrl}/api/tasks/${taskId}/budget`, { method: 'POST', headers: JSON_AUTH, body: JSON.stringify({ budgetUsd: 0.1 }) });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toMatch(/budgetUsd/);
    const raised = await fetch(`${system.baseUrl}/api/tasks/${taskId}/budget`, { method: 'POST', headers: JSON_AUTH, body: JSON.stringify({ budgetUsd: 50 }) });
    expect(raised.status).toBe(202);

    const task = await eventually(async () => {
      const current = await api<Task>('GET', `/api/tasks/${taskId}`);
      return current.status === 'done' || current.status === 'failed' ? current : undefined;
    }, 60_000, 'the task to end');
    expect(task.status).toBe('done');
    const events = await taskEvents();
    expect(events.find((event) => event.type === 'TaskBudgetRaised')?.data).toMatchObject({ previousBudgetUsd: 0.1, budgetUsd: 50, by: 'carol' });
    const specAttempts = events.flatMap((event) => (event.type === 'StageStarted' && event.data.stageType === 'specification' ? [event.data.attempt] : []));
    expect(specAttempts).toEqual([1, 2]);
    expect((await api<{ budgetUsd: number | null }>('GET', `/api/tasks/${taskId}`)).budgetUsd).toBe(50);
  }, 90_000);
});
