import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { uuidv7 } from '@app/contracts';
import { eventually, git, HOSTILE_ATTEMPTS_CONTAINED, listeningServer, makeGitRepo, type ListeningServer } from '@app/testing';
import { RunnerHarness } from '@test/support';
import { processesUnder } from '../../../libs/testing/src/leftovers';
import { COMMAND_TEMPLATES } from './domain/prompt';

const exists = (file: string) => stat(file).then(() => true, () => false);

type Json = Record<string, unknown>;

/**
 * The agent under bubblewrap (RUNNER_EXECUTION=sandbox), with the fake CLI: it runs, its
 * work is committed, it reaches its slot and the model API through the runner's forwards —
 * and nothing else: not NATS, not Postgres, not a service on the host's loopback, not a
 * file outside its worktree, not the repository's hooks.
 */
describe('the agent in its sandbox (bubblewrap)', () => {
  let scratch: string;
  let allowed: string;
  let harness: RunnerHarness;
  let backend: ListeningServer;
  let modelApi: ListeningServer;
  let hostService: ListeningServer;
  const natsUrl = new URL(process.env.NATS_URL ?? 'nats://127.0.0.1:4222');

  beforeAll(async () => {
    scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'runner-sandbox-')));
    allowed = path.join(scratch, 'repos');
    backend = await listeningServer('the slot app');
    modelApi = await listeningServer('the model API');
    hostService = await listeningServer('a host service');
    process.env.ANTHROPIC_BASE_URL = modelApi.url; // the runner's forward leads there
    harness = await RunnerHarness.start({ execution: 'sandbox', workspaceAllowedRoots: [allowed], workspacesDir: path.join(scratch, 'workspaces') });
  }, 30_000);

  afterAll(async () => {
    await harness?.stop();
    delete process.env.ANTHROPIC_BASE_URL;
    await Promise.all([backend?.close(), modelApi?.close(), hostService?.close()]);
    await rm(scratch, { recursive: true, force: true });
  }, 30_000);

  const linesOf = async (taskId: string, subtype: string) =>
    (await harness.logLines(taskId)).map((line) => line.json).filter((json): json is Json => json?.subtype === subtype);

  it('given a task in a repository, then spec, implementation and QA run sandboxed: the work is committed on the branch and the slot and the model API answer through the forwards', async () => {
    const repo = await makeGitRepo(allowed, 'app');
    const workspace = { repoPath: repo, baseBranch: 'main' };
    const taskId = uuidv7();

    await harness.outcomeOf(await harness.schedule({ taskId, stageType: 'specification', workspace, port: backend.port }), 'StageCompleted');
    const impl = await harness.schedule({ taskId, stageType: 'implementation', workspace, port: backend.port, description: 'Do it [[fake:write-file=src/health.ts,reach-services]]' });
    const completed = await harness.outcomeOf(impl, 'StageCompleted');
    expect(completed.diffStat).toMatchObject({ files: 1, branch: `orch/${taskId}` });
    expect(git(repo, 'show', '--name-only', '--format=', `orch/${taskId}`)).toBe('src/health.ts');
    const qa = await harness.schedule({ taskId, stageType: 'qa', workspace, port: backend.port, context: { specification: 'spec', implementationSummary: 'done' } });
    expect((await harness.outcomeOf(qa, 'StageCompleted')).verdict).toEqual({ verdict: 'pass', findings: [] });

    const reached = await linesOf(taskId, 'fake_reach');
    expect(reached).toEqual([
      expect.objectContaining({ target: 'backend', url: `http://localhost:${backend.port}`, answer: 'HTTP 200 the slot app' }),
      expect.objectContaining({ target: 'model-api', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1\/messages$/), answer: 'HTTP 200 the model API' }),
    ]);
    expect(modelApi.requests).toEqual(['POST /v1/messages']);
    const slash = await linesOf(taskId, 'fake_slash_command');
    expect(slash.map((line) => line.name)).toEqual(['create-spec', 'review']);
  }, 60_000);

  it('given a hostile implementation, then each of its attempts is blocked, the runner commits without running its hooks, and QA runs the original review prompt', async () => {
    const repo = await makeGitRepo(allowed, 'target');
    const workspace = { repoPath: repo, baseBranch: 'main' };
    const taskId = uuidv7();
    // outside /tmp: the sandbox's /tmp is a private one, where a write would land harmlessly
    const outside = path.join('/var/tmp', `orch-hostile-${taskId}`, 'pwned.txt');
    const marker = path.join(scratch, `hooks-ran-${taskId}`);
    const targets = [`nats@${natsUrl.hostname}:${natsUrl.port || 4222}`, 'postgres@127.0.0.1:5432', `gateway@${hostService.url}`, `outside@${outside}`, `marker@${marker}`].join(';');
    // the runner's own environment holds the system's secrets: none may reach the agent
    const secrets = { NATS_URL: natsUrl.toString(), DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', API_TOKEN: 'operator-token-0123456789' };
    Object.assign(process.env, secrets);
    try {
      const impl = await harness.schedule({ taskId, stageType: 'implementation', workspace, port: backend.port, description: `Attack [[fake:hostile=${targets},write-file=src/app.ts]]` });
      const completed = await harness.outcomeOf(impl, 'StageCompleted');
      expect(await exists(marker)).toBe(false); // the runner's commit ran no hook

      const attempts = await linesOf(taskId, 'fake_attempt');
      expect(attempts.map((line) => [line.attempt, line.outcome])).toEqual(HOSTILE_ATTEMPTS_CONTAINED); // the review prompt's rewrite is in its own worktree: the runner writes it again before QA
      expect(hostService.requests).toEqual([]);
      expect(await exists(path.dirname(outside))).toBe(false);
      expect((await readdir(path.join(repo, '.git', 'hooks'))).filter((name) => !name.endsWith('.sample'))).toEqual([]);
      expect(completed.diffStat).toMatchObject({ files: 1 }); // src/app.ts; the rewritten prompt is not committed

      const qa = await harness.schedule({ taskId, stageType: 'qa', workspace, port: backend.port, context: { specification: 'spec', implementationSummary: 'done' } });
      await harness.outcomeOf(qa, 'StageCompleted');
      const [review] = await linesOf(taskId, 'fake_slash_command');
      expect(review).toMatchObject({ name: 'review', sha256: createHash('sha256').update(COMMAND_TEMPLATES['review.md']).digest('hex') });
      expect(await readFile(path.join(scratch, 'workspaces', 'tasks', taskId, 'work', '.claude', 'commands', 'review.md'), 'utf8')).toBe(COMMAND_TEMPLATES['review.md']);
    } finally {
      for (const name of Object.keys(secrets)) delete process.env[name];
    }
  }, 60_000);

  it('given a sandboxed agent that hangs with a child, when its deadline passes, then the group kill ends everything inside the sandbox', async () => {
    const repo = await makeGitRepo(allowed, 'hang');
    const stage = await harness.schedule({ workspace: { repoPath: repo, baseBranch: 'main' }, port: backend.port, timeoutS: 3, description: 'Hang [[fake:hang-with-child]]' });
    const worktree = path.join(scratch, 'workspaces', 'tasks', stage.taskId, 'work');
    await eventually(async () => ((await processesUnder(worktree)).length >= 3 ? true : undefined), 10_000, 'bwrap, the forwarder, the agent and its child to run');
    await harness.outcomeOf(stage, 'StageTimedOut');
    await eventually(async () => ((await processesUnder(worktree)).length === 0 ? true : undefined), 10_000, 'every process of the sandbox to be gone');
  }, 30_000);

  it('given a CLI that is not there, then StageFailed names CLAUDE_CLI_PATH as on the host, and is not retryable', async () => {
    const missing = await RunnerHarness.start({ execution: 'sandbox', cliPath: '/nonexistent/bin/claude', workspacesDir: path.join(scratch, 'missing') });
    try {
      const failed = await missing.outcomeOf(await missing.schedule(), 'StageFailed');
      expect(failed).toMatchObject({ retryable: false, reason: 'the Claude CLI could not be started from /nonexistent/bin/claude (ENOENT); install it with npm ci or set CLAUDE_CLI_PATH' });
    } finally {
      await missing.stop();
    }
  }, 30_000);

  it('given a bubblewrap that cannot make a sandbox here (user namespaces off), then the runner does not start, naming RUNNER_EXECUTION and bwrap\'s words', async () => {
    const brokenBwrap = path.join(scratch, 'bwrap-without-userns');
    await writeFile(brokenBwrap, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n", { mode: 0o755 });
    await expect(RunnerHarness.start({ execution: 'sandbox', bwrapPath: brokenBwrap, workspacesDir: path.join(scratch, 'broken') })).rejects.toThrow(
      `RUNNER_EXECUTION: sandbox, but ${brokenBwrap} cannot make a sandbox here: bwrap: No permissions to create new namespace; enable user namespaces, or set RUNNER_EXECUTION=host to run the agent unconfined`,
    );
  }, 30_000);

  it('given the sandboxed agent, then the host loopback port of NATS is open to the runner itself (so the refusal inside is the sandbox, not a closed port)', async () => {
    const reachable = await new Promise<boolean>((resolve) => {
      const socket = net.connect(Number(natsUrl.port || 4222), natsUrl.hostname, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    expect(reachable).toBe(true);
  });
});
