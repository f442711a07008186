import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NatsClient } from '@app/messaging';
import { connectTestClient, eventually, git, makeGitRepo, readEventLog } from '@app/testing';
import { ApiClient } from '../../libs/testing/src/api-client';
import { startTestSystem, type TestSystem } from '../../test/support/system';

interface Task {
  id: string;
  status: string;
  waitingFor: { kind: string; scope?: string; day?: string; budgetUsd?: number; spentUsd?: number } | null;
}

/**
 * A project's daily budget through the API, with the apps together: its task's next stage
 * waits once the project's runs of the UTC day cost the cap (holding no lease), another
 * project's task is not held back, and a raised cap lets the waiting task go on.
 */
describe('daily budgets: a project\'s cap per UTC day', () => {
  let system: TestSystem;
  let client: NatsClient;
  let api: ApiClient;
  let reposDir: string;

  beforeAll(async () => {
    reposDir = await mkdtemp(path.join(tmpdir(), 'daily-budget-repos-'));
    system = await startTestSystem({ rules: { maxRetries: 0 }, redriveIntervalS: 2 });
    client = await connectTestClient(system.messaging);
    api = new ApiClient(system.baseUrl);
  }, 90_000);

  afterAll(async () => {
    await client?.close();
    await system?.stop();
    await rm(reposDir, { recursive: true, force: true });
  }, 60_000);

  const projectOf = async (name: string, dailyBudgetUsd: number | null) => {
    const work = await makeGitRepo(reposDir, `${name}-work`);
    git(reposDir, 'clone', '--quiet', '--bare', work, `${name}.git`);
    const fields = { name, repositoryUrl: `file://${path.join(reposDir, `${name}.git`)}`, dailyBudgetUsd };
    const created = await api.request<{ id: string; dailyBudgetUsd: number | null }>('POST', '/api/projects', fields);
    expect(created).toMatchObject({ status: 201, body: { dailyBudgetUsd } });
    return { id: created.body.id, fields };
  };
  const waitForStatus = (taskId: string, status: string, timeoutMs = 60_000) =>
    eventually(async () => {
      const task = (await api.request<Task>('GET', `/api/tasks/${taskId}`)).body;
      return task.status === status ? task : undefined;
    }, timeoutMs, `task ${taskId} to be ${status}`);

  it('given a project with a daily budget of $0.05 and one without, when a task of each spends more, then the first waits for the next day after its specification, the second is done, and raising the cap lets the first go on', async () => {
    const capped = await projectOf('capped', 0.05);
    const free = await projectOf('free', null);
    const refused = await api.request('POST', '/api/projects', { ...capped.fields, name: 'negative', dailyBudgetUsd: -1 });
    expect(refused).toMatchObject({ status: 400, body: { fields: [{ field: 'dailyBudgetUsd' }] } });

    const held = await api.createTask('Costly, capped', '[[fake:cost-per-line=0.05]]', { projectId: capped.id });
    const other = await api.createTask('Costly, free', '[[fake:cost-per-line=0.05]]', { projectId: free.id });
    for (const taskId of [held, other]) expect((await api.start(taskId)).status).toBe(202);

    const waiting = await waitForStatus(held, 'waiting');
    const today = new Date().toISOString().slice(0, 10);
    expect(waiting.waitingFor).toMatchObject({ kind: 'budget', scope: 'project-day', day: today, budgetUsd: 0.05 });
    expect(waiting.waitingFor?.spentUsd).toBeGreaterThanOrEqual(0.05);
    await waitForStatus(other, 'done');

    const events = (await readEventLog(client)).map((item) => item.event);
    const ofHeld = events.filter((event) => 'taskId' in event.data && event.data.taskId === held);
    // only the specification ran: the next stage waits, its slot given back
    expect(ofHeld.filter((event) => event.type === 'StageCompleted').map((event) => event.type === 'StageCompleted' && event.data.stageType)).toEqual(['specification']);
    expect(ofHeld.some((event) => event.type === 'OrchestrationReleased' && event.data.outcome === 'waiting')).toBe(true);
    // each run's cost counted once on the scheduler's subject, under its project
    const costs = events.flatMap((event) => (event.type === 'StageCostRecorded' ? [event.data] : []));
    expect(costs.filter((cost) => cost.taskId === held).map((cost) => cost.projectId)).toEqual([capped.id]);
    expect(costs.filter((cost) => cost.taskId === other).every((cost) => cost.projectId === free.id)).toBe(true);

    expect((await api.request('PUT', `/api/projects/${capped.id}`, { ...capped.fields, dailyBudgetUsd: 1000 })).status).toBe(200);
    await waitForStatus(held, 'done', 90_000);
    const ended = (await readEventLog(client)).map((item) => item.event).find((event) => event.type === 'TaskWaitEnded' && event.data.taskId === held);
    expect(ended?.type === 'TaskWaitEnded' && ended.data.by).toBe('a raised daily cap');
  }, 180_000);
});
