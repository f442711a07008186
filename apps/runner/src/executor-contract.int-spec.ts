import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { uuidv7, type AgentLogEntry } from '@app/contracts';
import { FAKE_CLAUDE_PATH, REAL_CODEX_PATH, startFakeResponsesApi, type FakeResponsesApi } from '@app/testing';
import { RunnerHarness } from '@test/support';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CLAUDE_KEY = 'sk-ant-contract-claude-key-0123456789';
const OPENAI_KEY = 'sk-proj-contract-openai-key-0123456789';

/** How each executor's stand-in is made to succeed, fail, hang or print its key, and the key it holds. */
interface ExecutorUnderTest {
  name: string;
  key: string;
  config: Parameters<typeof RunnerHarness.start>[0];
  /** the prompt directives of its stand-in: the fake Claude CLI, or the fake Responses API behind the real Codex */
  fail: string;
  hang: string;
  printKey: string;
}

const EXECUTORS: ExecutorUnderTest[] = [
  { name: 'claude-code', key: CLAUDE_KEY, config: { cliPath: FAKE_CLAUDE_PATH, apiKey: CLAUDE_KEY }, fail: '[[fake:exit1]]', hang: '[[fake:hang]]', printKey: '[[fake:print-key,print-key-base64]]' },
  {
    name: 'codex',
    key: OPENAI_KEY,
    config: { codex: { cliPath: REAL_CODEX_PATH, apiKey: OPENAI_KEY, model: 'gpt-5' }, stageExecutors: { implementation: { executor: 'codex', model: null } } },
    fail: '[[fake:fail]]',
    hang: '[[fake:hang]]',
    printKey: '[[fake:print-key]]',
  },
];

/**
 * The executor contract: whichever CLI runs a stage, the runner reads its stream into the
 * same typed entries, reports success, a failure (retryable), a hang killed at the deadline,
 * resumes the session of the attempt before, and never lets the key out.
 */
describe.each(EXECUTORS)('the executor contract: $name', (executor) => {
  let api: FakeResponsesApi;
  let harness: RunnerHarness;
  let scratch: string;

  beforeAll(async () => {
    api = await startFakeResponsesApi({ validKeys: [OPENAI_KEY] });
    process.env.OPENAI_BASE_URL = api.url;
    scratch = await mkdtemp(path.join(tmpdir(), `executor-contract-${executor.name}-`));
    harness = await RunnerHarness.start({ ...executor.config, workspacesDir: scratch, killGraceMs: 1_000 });
  }, 30_000);

  afterAll(async () => {
    await harness?.stop();
    await api?.close();
    delete process.env.OPENAI_BASE_URL;
    await rm(scratch, { recursive: true, force: true });
  }, 30_000);

  const run = (directives: string, options: Parameters<RunnerHarness['schedule']>[0] = {}) =>
    harness.schedule({ stageType: 'implementation', description: `GET /health answers 200 ${directives} marker-${uuidv7()}`, timeoutS: 60, ...options });

  it('given a stage that succeeds, then StageCompleted carries its session and usage, and its stream was read into text, tool call, tool result, usage and result entries', async () => {
    const stage = await run('');
    const completed = await harness.outcomeOf(stage, 'StageCompleted', 60_000);
    expect(completed.result.isError).toBe(false);
    expect(completed.result.sessionId).toMatch(UUID);
    expect(completed.result.usage.inputTokens).toBeGreaterThan(0);
    expect(completed.result.usage.outputTokens).toBeGreaterThan(0);
    const entries: AgentLogEntry[] = (await harness.logLines(stage.taskId)).flatMap((line) => line.entries);
    expect([...new Set(entries.map((entry) => entry.kind))].sort()).toEqual(['result', 'text', 'tool-call', 'tool-result', 'usage']);
    const calls = entries.filter((entry) => entry.kind === 'tool-call');
    const results = entries.filter((entry) => entry.kind === 'tool-result');
    expect(results.map((result) => result.callId)).toEqual(expect.arrayContaining(calls.map((call) => call.callId)));
    expect(entries.at(-1)).toEqual({ kind: 'result', isError: false, text: completed.output, sessionId: completed.result.sessionId, totalCostUsd: completed.result.totalCostUsd });
  }, 90_000);

  it('given a run that fails, then StageFailed is retryable and says why', async () => {
    const failed = await harness.outcomeOf(await run(executor.fail), 'StageFailed', 60_000);
    expect(failed.retryable).toBe(true);
    expect(failed.exitCode).not.toBe(0);
    expect(failed.reason).toMatch(/simulated/);
  }, 90_000);

  it('given a hang, when the deadline passes, then the agent is killed and StageTimedOut is reported', async () => {
    const timedOut = await harness.outcomeOf(await run(executor.hang, { timeoutS: 3 }), 'StageTimedOut', 30_000);
    expect(timedOut.cause).toBe('agent-timeout');
    expect(timedOut.reason).toMatch(/longer than the stage's 3 s/);
  }, 60_000);

  it('given a failed attempt, when it is retried, then the retry resumes the session of the attempt before', async () => {
    const description = `Try twice ${executor.fail} marker-${uuidv7()}`;
    const first = await harness.schedule({ stageType: 'implementation', description, timeoutS: 60 });
    await harness.outcomeOf(first, 'StageFailed', 60_000);
    const firstSession = await sessionOf(first.taskId);
    expect(firstSession).toMatch(UUID);

    const retry = await harness.schedule({ taskId: first.taskId, attempt: 2, stageType: 'implementation', description: 'GET /health answers 200, this time for real', timeoutS: 60 });
    const completed = await harness.outcomeOf(retry, 'StageCompleted', 60_000);
    expect(completed.result.sessionId).toBe(firstSession);
  }, 120_000);

  it('given an agent that prints its key (plain and base64), then it appears nowhere in ORCH_LOGS or the events', async () => {
    const stage = await run(executor.printKey);
    const completed = await harness.outcomeOf(stage, 'StageCompleted', 60_000);
    expect(completed.output).toContain('[REDACTED]');
    const raw = await harness.rawStreams();
    expect(raw).not.toContain(executor.key);
    expect(raw).not.toContain(Buffer.from(executor.key).toString('base64').slice(2, -2));
    expect(raw).not.toContain(executor.key.slice(4));
  }, 90_000);

  /** The session the first line of the task's first run named (Claude Code's init, Codex's thread). */
  async function sessionOf(taskId: string): Promise<string | null> {
    const lines = await harness.logLines(taskId);
    for (const line of lines) {
      const json = line.json;
      if (json?.type === 'system' && json.subtype === 'init' && typeof json.session_id === 'string') return json.session_id;
      if (json?.type === 'thread.started' && typeof json.thread_id === 'string') return json.thread_id;
    }
    return null;
  }
});
