import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import type { NatsClient } from '@app/messaging';
import { connectTestClient, eventually, git, logFacts, makeGitRepo, readEventLog, type LoggedEvent } from '@app/testing';
import { ApiClient } from '../../libs/testing/src/api-client';
import { startTestOrchestrator, startTestSystem, type TestSystem } from '../../test/support/system';

interface Task {
  id: string;
  status: string;
  priority: number;
  blockedBy: string[];
  failureReason: string | null;
}

/**
 * The queue through the API, with two orchestrators deciding on the one scheduler subject:
 * priorities order admission, a blocked task waits for its blocker (and fails with it), a
 * project's maxConcurrent holds beside the global limit.
 */
describe('the queue: priorities, dependencies and per-project limits, two orchestrators', () => {
  const useSystem = (maxConcurrent: number) => {
    const handles: { system?: TestSystem; client?: NatsClient; second?: INestMicroservice; api?: ApiClient } = {};
    beforeAll(async () => {
      const rules = { maxConcurrent, maxRetries: 0, stageTimeoutS: { specification: 30, implementation: 30, qa: 30 } };
      handles.system = await startTestSystem({ rules, poolSize: 4, redriveIntervalS: 2 });
      handles.second = await startTestOrchestrator(handles.system.messaging, { rules, redriveIntervalS: 2 });
      handles.client = await connectTestClient(handles.system.messaging);
      handles.api = new ApiClient(handles.system.baseUrl);
    }, 90_000);
    afterAll(async () => {
      await handles.client?.close();
      await handles.second?.close();
      await handles.system?.stop();
    }, 60_000);
    return handles;
  };
  const waitForStatus = (api: ApiClient, taskId: string, statuses: string[], timeoutMs = 60_000) =>
    eventually(async () => {
      const task = (await api.request<Task>('GET', `/api/tasks/${taskId}`)).body;
      return statuses.includes(task.status) ? task : undefined;
    }, timeoutMs, `task ${taskId} to be ${statuses.join(' or ')}`);
  const taskOf = ({ event }: LoggedEvent): string | null => ('taskId' in event.data ? String(event.data.taskId) : null);
  const seqOf = (events: LoggedEvent[], type: string, taskId: string) => events.find((item) => item.event.type === type && taskOf(item) === taskId)?.seq ?? -1;

  describe('under a global limit of 1', () => {
    const handles = useSystem(1);

    it('given a task running, when tasks of priorities 1, 5 and 9 are started in that order, then they are admitted 9, 5, 1', async () => {
      const api = handles.api!;
      const holder = await api.createTask('Holder', '[[fake:slow=150]]');
      expect((await api.start(holder)).status).toBe(202);
      await waitForStatus(api, holder, ['running']);
      const low = await api.createTask('Low', '', { priority: 1 });
      const mid = await api.createTask('Middle', '');
      const high = await api.createTask('High', '', { priority: 9 });
      expect((await api.request<Task>('GET', `/api/tasks/${mid}`)).body.priority).toBe(5);
      for (const taskId of [low, mid, high]) expect((await api.start(taskId)).status).toBe(202);
      for (const taskId of [holder, low, mid, high]) await waitForStatus(api, taskId, ['done']);
      const facts = logFacts(await readEventLog(handles.client!));
      expect(facts.maxRunning).toBe(1);
      expect(facts.admissionOrder.filter((id) => [holder, low, mid, high].includes(id))).toEqual([holder, high, mid, low]);
      // once started, its place in the queue is the scheduler's
      expect(await api.request('PATCH', `/api/tasks/${holder}`, { priority: 1 })).toMatchObject({ status: 409, body: { fields: [{ field: 'id', problem: 'task is done' }] } });
    }, 120_000);

    it('given a task blocked by another, when it is started before its blocker, then it waits, the blocker runs, and it starts once the blocker is done', async () => {
      const api = handles.api!;
      const blocker = await api.createTask('Blocker', '[[fake:slow=50]]');
      const dependent = await api.createTask('Dependent', '', { blockedBy: [blocker] });
      expect((await api.request<Task>('GET', `/api/tasks/${dependent}`)).body.blockedBy).toEqual([blocker]);
      expect((await api.start(dependent)).status).toBe(202);
      await waitForStatus(api, dependent, ['queued']);
      expect((await api.start(blocker)).status).toBe(202);
      await waitForStatus(api, dependent, ['done']);
      const events = await readEventLog(handles.client!);
      expect(seqOf(events, 'OrchestrationUnblocked', dependent)).toBeGreaterThan(seqOf(events, 'OrchestrationCompleted', blocker));
      expect(seqOf(events, 'OrchestrationAdmitted', dependent)).toBeGreaterThan(seqOf(events, 'OrchestrationCompleted', blocker));
    }, 120_000);

    it('given a task blocked by one that fails, then it fails too, naming the blocker and its reason, without running', async () => {
      const api = handles.api!;
      const blocker = await api.createTask('Failing blocker', '[[fake:exit1]]');
      const dependent = await api.createTask('Dependent of a failure', '', { blockedBy: [blocker] });
      expect((await api.start(dependent)).status).toBe(202);
      await waitForStatus(api, dependent, ['queued']);
      expect((await api.start(blocker)).status).toBe(202);
      const failed = await waitForStatus(api, dependent, ['failed']);
      expect(failed.failureReason).toMatch(new RegExp(`^blocked by task ${blocker}, which failed: specification failed`));
      const events = await readEventLog(handles.client!);
      expect(seqOf(events, 'StageScheduled', dependent)).toBe(-1);
      // a task started after its blocker failed fails at once, the same way
      const late = await api.createTask('Late dependent', '', { blockedBy: [blocker] });
      expect((await api.start(late)).status).toBe(202);
      expect((await waitForStatus(api, late, ['failed'])).failureReason).toContain(`blocked by task ${blocker}, which failed`);
    }, 120_000);

    it('given blockers, when one would close a cycle or names no task, then a 400 names the cycle or the field', async () => {
      const api = handles.api!;
      const a = await api.createTask('A', '');
      const b = await api.createTask('B', '', { blockedBy: [a] });
      const c = await api.createTask('C', '', { blockedBy: [b] });
      const cycle = await api.request<{ message: string; fields: Array<{ field: string; problem: string }> }>('PATCH', `/api/tasks/${a}`, { blockedBy: [c] });
      expect(cycle.status).toBe(400);
      expect(cycle.body.fields).toEqual([{ field: 'blockedBy', problem: `would make a cycle: ${[a, c, b, a].join(' → ')}` }]);
      const unknown = '0190f0f0-0000-7000-8000-000000000000';
      const missing = await api.request<{ fields: unknown }>('POST', '/api/tasks', { title: 'x', blockedBy: [a, unknown] });
      expect(missing).toMatchObject({ status: 400, body: { fields: [{ field: 'blockedBy[1]', problem: 'no task with this id' }] } });
      const changed = await api.request<Task>('PATCH', `/api/tasks/${a}`, { priority: 8 });
      expect(changed).toMatchObject({ status: 200, body: { priority: 8, blockedBy: [] } });
    }, 60_000);
  });

  describe('a project limit of 1 beside a global limit of 3', () => {
    const handles = useSystem(3);
    let reposDir: string;
    beforeAll(async () => {
      reposDir = await mkdtemp(path.join(tmpdir(), 'queue-repos-'));
    });
    afterAll(() => rm(reposDir, { recursive: true, force: true }));

    const projectOf = async (name: string, maxConcurrent: number | null) => {
      const work = await makeGitRepo(reposDir, `${name}-work`);
      git(reposDir, 'clone', '--quiet', '--bare', work, `${name}.git`);
      const created = await handles.api!.request<{ id: string }>('POST', '/api/projects', { name, repositoryUrl: `file://${path.join(reposDir, `${name}.git`)}`, maxConcurrent });
      expect(created.status).toBe(201);
      return created.body.id;
    };

    it('given 4 tasks of a project limited to 1 and 3 of an unlimited one started together, then never more than 1 of the first runs nor more than 3 in all', async () => {
      const api = handles.api!;
      const solo = await projectOf('solo', 1);
      const wide = await projectOf('wide', null);
      const soloTasks: string[] = [];
      const wideTasks: string[] = [];
      for (let i = 0; i < 4; i += 1) soloTasks.push(await api.createTask(`Solo ${i}`, '[[fake:slow=40]]', { projectId: solo }));
      for (let i = 0; i < 3; i += 1) wideTasks.push(await api.createTask(`Wide ${i}`, '[[fake:slow=40]]', { projectId: wide }));
      await Promise.all([...soloTasks, ...wideTasks].map(async (taskId) => expect((await api.start(taskId)).status).toBe(202)));
      for (const taskId of [...soloTasks, ...wideTasks]) await waitForStatus(api, taskId, ['done'], 120_000);
      const events = await readEventLog(handles.client!);
      expect(logFacts(events).maxRunning).toBeLessThanOrEqual(3);
      let soloRunning = 0;
      let soloMax = 0;
      for (const item of events) {
        const { event } = item;
        if (!soloTasks.includes(taskOf(item) ?? '')) continue;
        if (event.type === 'OrchestrationAdmitted') soloMax = Math.max(soloMax, ++soloRunning);
        if (event.type === 'OrchestrationReleased') soloRunning -= 1;
      }
      expect(soloMax).toBe(1);
    }, 180_000);
  });
});
