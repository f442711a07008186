import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { uuidv7, type AgentResult } from '@app/contracts';
import {
  dockerCli,
  ensureTestImage,
  FAKE_CODEX_WRITTEN_FILE,
  git,
  makeGitRepo,
  REAL_CODEX_PATH,
  removeContainersLabelled,
  startFakeResponsesApi,
  TEST_CONTAINER_IMAGE,
  type FakeResponsesApi,
} from '@app/testing';
import { RunnerHarness } from '@test/support';

const VALID_KEY = 'sk-proj-fake-valid-openai-key-0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CODEX_EVERY_STAGE = { specification: { executor: 'codex', model: 'gpt-5' }, implementation: { executor: 'codex', model: 'gpt-5' }, qa: { executor: 'codex', model: 'gpt-5' } } as const;

/**
 * The REAL Codex CLI (the pinned @openai/codex, its native binary), given the fake OpenAI
 * Responses API in libs/testing/fixtures as its model provider (OPENAI_BASE_URL of the runner).
 */
describe('the runner with the real Codex CLI against a fake Responses API', () => {
  let api: FakeResponsesApi;
  let scratch: string;
  let repos: string;

  beforeAll(async () => {
    api = await startFakeResponsesApi({ validKeys: [VALID_KEY] });
    process.env.OPENAI_BASE_URL = api.url;
    scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'runner-real-codex-')));
    repos = path.join(scratch, 'repos');
  }, 30_000);

  afterAll(async () => {
    delete process.env.OPENAI_BASE_URL;
    await api?.close();
    await rm(scratch, { recursive: true, force: true });
  }, 30_000);

  // container: Codex in a container of its own (network none) beside a leased Docker container, reaching the fake API through the runner's forward
  it.each(['host', 'sandbox', 'container'] as const)('given every stage on Codex, then specification, implementation and QA run through codex exec --json (%s execution): its shell call writes in the worktree, usage and the session recorded, the verdict read', async (execution) => {
    const suiteLabel = `real-codex-${path.basename(scratch)}`;
    let containerId: string | undefined;
    if (execution === 'container') {
      ensureTestImage();
      containerId = await dockerCli('run', '-d', '--network', 'none', '--label', `orch.test=${suiteLabel}`, '--memory', '1g', '--cpus', '1', '--pids-limit', '256', '--cap-drop', 'ALL', TEST_CONTAINER_IMAGE);
    }
    const leased = containerId === undefined ? {} : { containerId };
    const harness = await RunnerHarness.start({
      execution,
      codex: { cliPath: REAL_CODEX_PATH, apiKey: VALID_KEY, model: null },
      stageExecutors: CODEX_EVERY_STAGE,
      workspaceAllowedRoots: [repos],
      workspacesDir: path.join(scratch, 'workspaces', execution),
      killGraceMs: 2_000,
    });
    try {
      const repo = await makeGitRepo(repos, `app-${execution}`);
      const workspace = { repoPath: repo, baseBranch: 'main' };
      const taskId = uuidv7();
      const worktree = path.join(scratch, 'workspaces', execution, 'tasks', taskId, 'work');

      // specification: Codex has no project commands, so the prompt holds the instructions themselves
      const spec = await harness.schedule({ taskId, stageType: 'specification', workspace, timeoutS: 120, ...leased });
      const specified = await harness.outcomeOf(spec, 'StageCompleted', 120_000);
      expect(specified.output).toMatch(/^# Specification: Add a health endpoint/);
      expect(api.requests.some((request) => request.inputText.includes('Write a concise, testable specification') && !request.inputText.includes('/create-spec'))).toBe(true);
      expectParsed(specified.result, 1);

      // implementation: the fake API calls exec_command; Codex runs it in the worktree, the runner commits it
      const impl = await harness.schedule({ taskId, stageType: 'implementation', workspace, timeoutS: 120, context: { specification: specified.output }, ...leased });
      const implemented = await harness.outcomeOf(impl, 'StageCompleted', 120_000);
      expect(implemented.output).toBe('Implemented: Add a health endpoint');
      expect(await readFile(path.join(worktree, FAKE_CODEX_WRITTEN_FILE), 'utf8')).toBe('Written by codex for: Add a health endpoint\n');
      expect(implemented.diffStat).toMatchObject({ files: 1, insertions: 1, deletions: 0, branch: `orch/${taskId}` });
      expect(git(repo, 'diff', '--name-only', 'main', `orch/${taskId}`)).toBe(FAKE_CODEX_WRITTEN_FILE);
      expectParsed(implemented.result, 2);
      // the typed entries of the log: the tool call and its result, the usage, the result
      const entries = (await harness.logLines(taskId)).flatMap((line) => line.entries);
      expect(entries).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ kind: 'tool-call', tool: 'exec_command' }),
          expect.objectContaining({ kind: 'tool-result', isError: false }),
          { kind: 'usage', inputTokens: 240, outputTokens: 60, cacheReadInputTokens: 40 },
          expect.objectContaining({ kind: 'result', isError: false, text: 'Implemented: Add a health endpoint' }),
        ]),
      );

      // QA: the review instructions in the prompt, the verdict block read from Codex's last message
      const qa = await harness.schedule({ taskId, stageType: 'qa', workspace, timeoutS: 120, context: { specification: specified.output, implementationSummary: implemented.output }, ...leased });
      const reviewed = await harness.outcomeOf(qa, 'StageCompleted', 120_000);
      expect(reviewed.verdict).toEqual({ verdict: 'pass', findings: [] });
      expectParsed(reviewed.result, 1);
      expect(api.requests.every((request) => request.apiKey === VALID_KEY && request.model === 'gpt-5')).toBe(true);
      expect(await harness.rawStreams()).not.toContain(VALID_KEY);
    } finally {
      await harness.stop();
      await removeContainersLabelled('orch.test', suiteLabel);
    }
  }, 300_000);

  it('given a key the API refuses, then StageFailed says the OpenAI key was refused and is not retryable', async () => {
    const harness = await RunnerHarness.start({ codex: { cliPath: REAL_CODEX_PATH, apiKey: 'sk-proj-revoked-openai-key-0123456789', model: null }, stageExecutors: CODEX_EVERY_STAGE, killGraceMs: 2_000 });
    try {
      const stage = await harness.schedule({ stageType: 'implementation', timeoutS: 120 });
      const failed = await harness.outcomeOf(stage, 'StageFailed', 120_000);
      expect(failed.retryable).toBe(false);
      expect(failed.reason).toMatch(/the API key was refused.*OPENAI_API_KEY/);
      expect(await harness.rawStreams()).not.toContain('sk-proj-revoked-openai-key-0123456789');
    } finally {
      await harness.stop();
    }
  }, 180_000);
});

/** `requests`: the model requests of the turn (a tool call and the answer after it are two); Codex reports the turn's sum */
function expectParsed(result: AgentResult, requests: number): void {
  expect(result.isError).toBe(false);
  expect(result.sessionId).toMatch(UUID);
  expect(result.usage).toEqual({ inputTokens: 120 * requests, outputTokens: 30 * requests, cacheCreationInputTokens: 0, cacheReadInputTokens: 20 * requests });
}
