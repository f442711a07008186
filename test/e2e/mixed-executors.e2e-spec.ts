import { eventually, startFakeResponsesApi, type FakeResponsesApi } from '@app/testing';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { ApiClient } from '../../libs/testing/src/api-client';

const OPENAI_KEY = 'sk-proj-e2e-mixed-executors-key-0123456789';

interface StageRow {
  stageType: string;
  status: string;
  commandOutput: string | null;
  verdict: { verdict: string; findings: string[] } | null;
  executor: string | null;
  model: string | null;
  costUsd: number | null;
}

/** An independent reviewer: implementation by Claude Code (the fake CLI), QA by the real Codex CLI against the fake Responses API. */
describe('a task whose stages run on different executors', () => {
  let api: FakeResponsesApi;
  let system: TestSystem;

  beforeAll(async () => {
    api = await startFakeResponsesApi({ validKeys: [OPENAI_KEY] });
    process.env.OPENAI_BASE_URL = api.url;
    system = await startTestSystem({ stageExecutors: { qa: { executor: 'codex', model: 'gpt-5' } }, openaiApiKey: OPENAI_KEY });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await api?.close();
    delete process.env.OPENAI_BASE_URL;
  }, 60_000);

  const api$ = (method: string, path: string, body?: unknown) => new ApiClient(system.baseUrl).request<Record<string, unknown> & unknown[]>(method, path, body);
  /** Creates the task, starts it, waits until it is done and reads its stage rows. */
  const runToDone = async (task: Record<string, unknown>): Promise<StageRow[]> => {
    const created = await api$('POST', '/api/tasks', task);
    const taskId = created.body.id as string;
    expect((await api$('POST', '/api/orchestrator/start', { taskId })).status).toBe(202);
    await eventually(async () => ((await api$('GET', `/api/tasks/${taskId}`)).body.status === 'done' ? true : undefined), 90_000, 'the task to be done');
    return (await api$('GET', `/api/orchestrator/stages/${taskId}`)).body as unknown as StageRow[];
  };

  it('given QA on Codex and the rest on Claude Code, when the task runs, then it is done with the verdict Codex wrote parsed', async () => {
    const stages = await runToDone({ title: 'Add a health endpoint', description: 'GET /health answers 200' });
    expect(stages.map((stage) => [stage.stageType, stage.status])).toEqual([
      ['specification', 'completed'],
      ['implementation', 'completed'],
      ['qa', 'completed'],
    ]);
    const qa = stages[2]!;
    // Codex reviewed what Claude Code wrote: the fake Responses API saw the implementation summary of the fake Claude CLI
    expect(qa.commandOutput).toMatch(/^Reviewed: Add a health endpoint/);
    expect(qa.verdict).toEqual({ verdict: 'pass', findings: [] });
    const review = api.requests.find((request) => request.inputText.includes('info string is `verdict`'));
    expect(review?.inputText).toContain(stages[1]!.commandOutput ?? '(no implementation output)');
    // and only QA went to the OpenAI API
    expect(api.requests.every((request) => request.apiKey === OPENAI_KEY && request.model === 'gpt-5')).toBe(true);
    expect(api.requests.some((request) => request.inputText.includes('testable specification'))).toBe(false);

    // the stage records say which executor ran each stage, with its model and cost
    expect(stages.map((stage) => [stage.stageType, stage.executor, stage.model])).toEqual([
      ['specification', 'claude-code', null],
      ['implementation', 'claude-code', null],
      ['qa', 'codex', 'gpt-5'],
    ]);
    expect(stages[1]!.costUsd).toBeGreaterThan(0);
    expect(qa.costUsd).toBe(0); // Codex reports tokens, not dollars
    // and /metrics counts the runs and cost by executor
    const metrics = await (await fetch(`${system.baseUrl}/metrics`)).text();
    const sample = (name: string) => Number(new RegExp(`^${name.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(sample('orch_executor_runs_total{executor="claude-code"}')).toBe(2);
    expect(sample('orch_executor_runs_total{executor="codex"}')).toBe(1);
    expect(sample('orch_executor_cost_usd_total{executor="claude-code"}')).toBeCloseTo((stages[0]!.costUsd ?? 0) + (stages[1]!.costUsd ?? 0));
    expect(sample('orch_executor_cost_usd_total{executor="codex"}')).toBe(0);
  }, 120_000);

  it('given a task that names Codex for its implementation (over the runner\'s default), then implementation runs on Codex, and its stage record says so', async () => {
    const refused = await api$('POST', '/api/tasks', { title: 'Bad executor', stageExecutors: { qa: { executor: 'gemini', model: null } } });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('stageExecutors.qa.executor');

    const stages = await runToDone({ title: 'Write it with Codex', description: 'GET /health answers 200', stageExecutors: { implementation: { executor: 'codex', model: 'gpt-5' } } });
    expect(stages.map((stage) => [stage.stageType, stage.executor])).toEqual([
      ['specification', 'claude-code'],
      ['implementation', 'codex'],
      ['qa', 'codex'],
    ]);
    expect(stages[1]!.commandOutput).toBe('Implemented: Write it with Codex');
  }, 120_000);
});
