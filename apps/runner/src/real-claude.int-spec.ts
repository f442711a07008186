import { mkdtemp, readFile, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { uuidv7 } from '@app/contracts';
import {
  dockerCli,
  ensureTestImage,
  FAKE_API_WRITTEN_FILE,
  git,
  makeGitRepo,
  REAL_CLAUDE_PATH,
  removeContainersLabelled,
  startFakeAnthropicApi,
  startGitHttpServer,
  TEST_CONTAINER_IMAGE,
  type FakeAnthropicApi,
} from '@app/testing';
import { RunnerHarness } from '@test/support';
import { useSuite } from '../../../test/support/suite';

const VALID_KEY = 'sk-ant-api03-fake-valid-key-0123456789';
const RATE_LIMITED_KEY = 'sk-ant-api03-rate-limited-key-0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The REAL Claude Code CLI (the pinned @anthropic-ai/claude-code), pointed by
 * ANTHROPIC_BASE_URL at the fake Messages API in libs/testing/fixtures.
 */
describe('the runner with the real Claude Code CLI against a fake Anthropic API', () => {
  let api: FakeAnthropicApi;
  let scratch: string;
  let repos: string;

  useSuite(async (keep) => {
    keep(() => rm(scratch, { recursive: true, force: true }));
    api = keep(await startFakeAnthropicApi({ validKeys: [VALID_KEY], rateLimitedKeys: [RATE_LIMITED_KEY], retryAfterS: 1 }));
    process.env.ANTHROPIC_BASE_URL = api.url; // passed through to the CLI with the rest of the runner's environment
    scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'runner-real-cli-')));
    repos = path.join(scratch, 'repos');
    keep(async () => {
      delete process.env.ANTHROPIC_BASE_URL;
    });
  }, 30_000);

  // sandbox: the CLI under bubblewrap reaches the fake API only through the runner's forward;
  // container: the CLI in a container of its own (network none) beside a leased Docker container, the same way
  it.each(['host', 'sandbox', 'container'] as const)('given a task with a repository, then specification, implementation and QA run through the CLI (%s execution): the slash commands found, the Write in the worktree and its diff stat, cost and turns parsed', async (execution) => {
    const suiteLabel = `real-claude-${path.basename(scratch)}`;
    let containerId: string | undefined;
    if (execution === 'container') {
      ensureTestImage();
      // the leased container, as the pool's Docker driver makes it (limits the agent's container takes)
      containerId = await dockerCli('run', '-d', '--network', 'none', '--label', `orch.test=${suiteLabel}`, '--memory', '1g', '--cpus', '1', '--pids-limit', '256', '--cap-drop', 'ALL', TEST_CONTAINER_IMAGE);
    }
    const harness = await RunnerHarness.start({
      execution,
      cliPath: REAL_CLAUDE_PATH,
      apiKey: VALID_KEY,
      workspaceAllowedRoots: [repos],
      workspacesDir: path.join(scratch, 'workspaces', execution),
      killGraceMs: 2_000,
    });
    try {
      const repo = await makeGitRepo(repos, `app-${execution}`);
      const workspace = { repoPath: repo, baseBranch: 'main' };
      const leased = containerId === undefined ? {} : { containerId };
      const taskId = uuidv7();
      const worktree = path.join(scratch, 'workspaces', execution, 'tasks', taskId, 'work');

      // specification: the prompt is /create-spec, which the CLI finds in the worktree's .claude/commands
      const spec = await harness.schedule({ taskId, stageType: 'specification', workspace, timeoutS: 120, ...leased });
      const specified = await harness.outcomeOf(spec, 'StageCompleted', 120_000);
      expect(specified.output).toMatch(/^# Specification: Add a health endpoint/);
      const init = (await harness.logLines(taskId)).find((line) => line.json?.type === 'system' && line.json.subtype === 'init')?.json;
      expect(init?.slash_commands).toEqual(expect.arrayContaining(['create-spec', 'review']));
      expect(api.requests.some((request) => request.withTools && request.userText.includes('Write a concise, testable specification'))).toBe(true);
      expectParsed(specified.result);

      // implementation: the fake API asks for a Write; the CLI writes the file, the runner commits it
      const impl = await harness.schedule({ taskId, stageType: 'implementation', workspace, timeoutS: 120, context: { specification: specified.output }, ...leased });
      const implemented = await harness.outcomeOf(impl, 'StageCompleted', 120_000);
      expect(implemented.output).toBe(`Implemented: Add a health endpoint (wrote ${FAKE_API_WRITTEN_FILE})`);
      expect(await readFile(path.join(worktree, FAKE_API_WRITTEN_FILE), 'utf8')).toBe('# Add a health endpoint\n\nDone by the agent.\n');
      expect(implemented.diffStat).toMatchObject({ files: 1, insertions: 3, deletions: 0, branch: `orch/${taskId}`, toCommit: git(repo, 'rev-parse', `orch/${taskId}`) });
      expect(git(repo, 'diff', '--name-only', 'main', `orch/${taskId}`)).toBe(FAKE_API_WRITTEN_FILE);
      expect(implemented.result.numTurns).toBe(2);
      expect(implemented.result.permissionDenials).toEqual([]);
      expectParsed(implemented.result);

      // QA: /review, ending in the verdict block the runner reads
      const qa = await harness.schedule({
        ...leased,
        taskId,
        stageType: 'qa',
        workspace,
        timeoutS: 120,
        context: { specification: specified.output, implementationSummary: implemented.output, ...(implemented.diffStat ? { diffStat: implemented.diffStat } : {}) },
      });
      const reviewed = await harness.outcomeOf(qa, 'StageCompleted', 120_000);
      expect(reviewed.verdict).toEqual({ verdict: 'pass', findings: [] });
      expect(api.requests.some((request) => request.userText.includes('info string is `verdict`') && request.userText.includes('1 files changed, 3 insertions(+)'))).toBe(true);
      expectParsed(reviewed.result);
      expect(api.requests.every((request) => request.apiKey === VALID_KEY)).toBe(true);
      if (containerId !== undefined) {
        // the agent's containers are gone, and what it wrote is the runner's again
        expect(await dockerCli('ps', '-a', '-q', '--filter', `label=orch.agent-of=${containerId}`)).toBe('');
        expect((await stat(path.join(worktree, FAKE_API_WRITTEN_FILE))).uid).toBe(process.getuid?.());
      }
    } finally {
      await harness.stop();
      await removeContainersLabelled('orch.test', suiteLabel);
    }
  }, 300_000);

  it('given a task of a project by URL, when the real CLI implements it, then its Write reaches the task branch on the remote', async () => {
    const token = 'orch-real-cli-git-token-5e1d9c';
    process.env.ORCH_REAL_CLI_GIT_TOKEN = token;
    const server = await startGitHttpServer({ token });
    const harness = await RunnerHarness.start({ cliPath: REAL_CLAUDE_PATH, apiKey: VALID_KEY, workspacesDir: path.join(scratch, 'workspaces', 'remote'), killGraceMs: 2_000 });
    try {
      const url = await server.createRepository('acme/real');
      const workspace = { repoPath: null, baseBranch: 'main', remote: { projectId: uuidv7(), url, credentialRef: 'env:ORCH_REAL_CLI_GIT_TOKEN', forge: { kind: 'none' as const } } };
      const taskId = uuidv7();

      const impl = await harness.schedule({ taskId, stageType: 'implementation', workspace, timeoutS: 120, context: { specification: '# Specification: Add a health endpoint' } });
      const implemented = await harness.outcomeOf(impl, 'StageCompleted', 120_000);

      expect(await server.branchHead('acme/real', `orch/${taskId}`)).toBe(implemented.diffStat?.toCommit);
      expect((await server.readBranch('acme/real', `orch/${taskId}`))[FAKE_API_WRITTEN_FILE]).toBe('# Add a health endpoint\n\nDone by the agent.\n');
      expect(await harness.rawStreams()).not.toContain(token);
    } finally {
      await harness.stop();
      await server.close();
      delete process.env.ORCH_REAL_CLI_GIT_TOKEN;
    }
  }, 180_000);

  it('given a key the API rate-limits (429 with retry-after), then after the CLI\'s own retries the stage is parked, not failed, naming the limit and when it lifts', async () => {
    // the CLI's retries cut to two (CLAUDE_CODE_MAX_RETRIES, handed to the agent) so the test takes seconds
    process.env.CLAUDE_CODE_MAX_RETRIES = '2';
    const harness = await RunnerHarness.start({ cliPath: REAL_CLAUDE_PATH, apiKey: RATE_LIMITED_KEY, killGraceMs: 2_000, agentEnvPassthrough: ['CLAUDE_CODE_MAX_RETRIES'] });
    try {
      const before = Date.now();
      const parked = await harness.outcomeOf(await harness.schedule({ timeoutS: 120 }), 'StageParked', 90_000);

      expect(parked).toMatchObject({ limit: 'rate-limit', credential: 'default' });
      expect(parked.reason).toMatch(/^the model API rate-limited the credential \(HTTP 429\) after the CLI's own retries; it resets at .*: API Error: Request rejected \(429\)/);
      // the last retry's delay (from retry-after) says when to try again
      expect(Date.parse(parked.resetAt ?? '')).toBeGreaterThan(before);
      expect(api.requests.filter((request) => request.apiKey === RATE_LIMITED_KEY && request.status === 429).length).toBeGreaterThanOrEqual(3);
      expect(await harness.rawStreams()).not.toContain(RATE_LIMITED_KEY);
    } finally {
      await harness.stop();
      delete process.env.CLAUDE_CODE_MAX_RETRIES;
    }
  }, 120_000);

  it('given a key the API refuses, then StageFailed says the key was refused, is not retryable, and comes in seconds (not after the CLI\'s ten retries)', async () => {
    const harness = await RunnerHarness.start({ cliPath: REAL_CLAUDE_PATH, apiKey: 'sk-ant-api03-revoked-key-0123456789', killGraceMs: 2_000 });
    try {
      const startedAt = Date.now();
      const failed = await harness.outcomeOf(await harness.schedule({ timeoutS: 120 }), 'StageFailed', 60_000);
      const seconds = (Date.now() - startedAt) / 1000;

      expect(failed.retryable).toBe(false);
      expect(failed.reason).toBe('the API key was refused: the API answered HTTP 401 (authentication_failed); check CLAUDE_API_KEY (and ANTHROPIC_BASE_URL if set)');
      expect(seconds).toBeLessThan(20);
      expect(api.requests.filter((request) => request.status === 401).length).toBeLessThanOrEqual(2);
      const raw = await harness.rawStreams();
      expect(raw).not.toContain('sk-ant-api03-revoked-key-0123456789');
    } finally {
      await harness.stop();
    }
  }, 120_000);
});

function expectParsed(result: { totalCostUsd: number; numTurns: number; sessionId: string; durationMs: number; isError: boolean; usage: { inputTokens: number } }): void {
  expect(result.isError).toBe(false);
  expect(result.totalCostUsd).toBeGreaterThan(0);
  expect(result.numTurns).toBeGreaterThanOrEqual(1);
  expect(result.sessionId).toMatch(UUID);
  expect(result.durationMs).toBeGreaterThan(0);
  expect(result.usage.inputTokens).toBeGreaterThan(0);
}
