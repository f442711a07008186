import { connectTestClient, eventually, readEventLog } from '@app/testing';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { useSuite } from '../support/suite';
import { ApiClient } from '../../libs/testing/src/api-client';

interface StageRow {
  id: string;
  stageType: string;
  status: string;
  commandOutput: string | null;
  stageContext: Record<string, unknown>;
  startedAt: string | null;
  completedAt: string | null;
  costUsd: number | null;
}

describe('one task through all four apps', () => {
  let system: TestSystem;

  useSuite(async (keep) => {
    system = keep(await startTestSystem());
  });

  const api = (method: string, path: string, body?: unknown) => new ApiClient(system.baseUrl).request<Record<string, unknown> & unknown[]>(method, path, body);

  it('given a created task, when it is started, then spec, implementation and QA complete in order and the task is done', async () => {
    const created = await api('POST', '/api/tasks', { title: 'Add a health endpoint', description: 'GET /health answers 200' });
    expect(created.status).toBe(201);
    const taskId = created.body.id as string;

    const started = await api('POST', '/api/orchestrator/start', { taskId });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ taskId, currentStage: 'specification' });

    const task = await eventually(async () => {
      const current = await api('GET', `/api/tasks/${taskId}`);
      return current.body.status === 'done' ? current.body : undefined;
    }, 30_000, 'the task to be done');
    expect(task.status).toBe('done');

    const stages = (await api('GET', `/api/orchestrator/stages/${taskId}`)).body as unknown as StageRow[];
    expect(stages.map((stage) => [stage.stageType, stage.status])).toEqual([
      ['specification', 'completed'],
      ['implementation', 'completed'],
      ['qa', 'completed'],
    ]);
    const [spec, impl, qa] = stages as [StageRow, StageRow, StageRow];
    expect(spec.commandOutput).toContain('Specification');
    // each stage's output is the next one's context
    expect(impl.stageContext.specification).toBe(spec.commandOutput);
    expect(qa.stageContext.implementationSummary).toBe(impl.commandOutput);
    expect(qa.commandOutput).toContain('```verdict');
    for (const stage of stages) {
      expect(Date.parse(stage.startedAt ?? '')).toBeLessThanOrEqual(Date.parse(stage.completedAt ?? ''));
      expect(stage.costUsd).toBeGreaterThan(0);
    }
    expect(Date.parse(spec.completedAt ?? '')).toBeLessThanOrEqual(Date.parse(impl.startedAt ?? ''));
    expect(Date.parse(impl.completedAt ?? '')).toBeLessThanOrEqual(Date.parse(qa.startedAt ?? ''));

    // the task kept one container from stage to stage: one lease, granted once, released once at the end
    const client = await connectTestClient(system.messaging);
    try {
      const events = await eventually(async () => {
        const all = (await readEventLog(client)).filter(({ event }) => (event.data as { taskId?: string }).taskId === taskId);
        return all.some(({ event }) => event.type === 'LeaseReleased') ? all : undefined;
      }, 10_000, 'the lease to be released');
      const of = (type: string) => events.filter(({ event }) => event.type === type);
      expect(of('LeaseGranted')).toHaveLength(1);
      expect(of('LeaseReleased')).toHaveLength(1);
      const leaseId = (of('LeaseGranted')[0]!.event.data as { leaseId: string }).leaseId;
      expect(of('StageStarted').map(({ event }) => (event.data as { lease: { leaseId: string } }).lease.leaseId)).toEqual([leaseId, leaseId, leaseId]);
      expect(of('LeaseReleased')[0]!.seq).toBeGreaterThan(of('OrchestrationCompleted')[0]!.seq);
    } finally {
      await client.close();
    }
  }, 60_000);
});
