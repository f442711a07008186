import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { newMessage, uuidv7 } from '@app/contracts';
import {
  dockerCli,
  ensureTestImage,
  eventually,
  git,
  HOSTILE_ATTEMPTS_CONTAINED,
  listeningServer,
  makeGitRepo,
  removeContainersLabelled,
  TEST_CONTAINER_IMAGE,
  type ListeningServer,
} from '@app/testing';
import { RunnerHarness } from '@test/support';
import { COMMAND_TEMPLATES } from './domain/prompt';

const exists = (file: string) => stat(file).then(() => true, () => false);

type Json = Record<string, unknown>;

/**
 * The agent in a container (RUNNER_EXECUTION=container) beside a leased Docker container,
 * with the fake CLI: it runs as a non-root user with the leased container's limits, its work
 * is committed, it reaches its slot and the model API through the runner's forwards — and
 * nothing else; on timeout its container goes.
 */
describe('the agent in its container (Docker)', () => {
  let scratch: string;
  let allowed: string;
  let harness: RunnerHarness;
  let leasedId: string;
  let backend: ListeningServer;
  let modelApi: ListeningServer;
  let hostService: ListeningServer;
  const natsUrl = new URL(process.env.NATS_URL ?? 'nats://127.0.0.1:4222');
  const suiteLabel = `runner-container-${process.pid}`;

  beforeAll(async () => {
    ensureTestImage();
    scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'runner-container-')));
    allowed = path.join(scratch, 'repos');
    backend = await listeningServer('the slot app');
    modelApi = await listeningServer('the model API');
    hostService = await listeningServer('a host service');
    process.env.ANTHROPIC_BASE_URL = modelApi.url; // the runner's forward leads there
    // the leased container, as the pool's Docker driver makes it: the agent's container takes its image and limits
    leasedId = await dockerCli('run', '-d', '--network', 'none', '--label', `orch.test=${suiteLabel}`, '--memory', '256m', '--cpus', '0.5', '--pids-limit', '96', '--cap-drop', 'ALL', TEST_CONTAINER_IMAGE);
    harness = await RunnerHarness.start({ execution: 'container', workspaceAllowedRoots: [allowed], workspacesDir: path.join(scratch, 'workspaces'), killGraceMs: 1_000 });
  }, 60_000);

  afterAll(async () => {
    await harness?.stop();
    delete process.env.ANTHROPIC_BASE_URL;
    await removeContainersLabelled('orch.test', suiteLabel);
    await Promise.all([backend?.close(), modelApi?.close(), hostService?.close()]);
    await rm(scratch, { recursive: true, force: true });
  }, 30_000);

  const linesOf = async (taskId: string, subtype: string) =>
    (await harness.logLines(taskId)).map((line) => line.json).filter((json): json is Json => json?.subtype === subtype);
  const agentContainers = () => dockerCli('ps', '-a', '-q', '--filter', `label=orch.agent-of=${leasedId}`);

  it('given a task in a repository, then spec, implementation and QA run in containers: the work is committed on the branch, the slot and the model API answer through the forwards, and the files are the runner\'s again', async () => {
    const repo = await makeGitRepo(allowed, 'app');
    const workspace = { repoPath: repo, baseBranch: 'main' };
    const taskId = uuidv7();
    const lease = { port: backend.port, containerId: leasedId };

    await harness.outcomeOf(await harness.schedule({ taskId, stageType: 'specification', workspace, ...lease }), 'StageCompleted');
    const impl = await harness.schedule({ taskId, stageType: 'implementation', workspace, ...lease, description: 'Do it [[fake:write-file=src/health.ts,reach-services]]' });
    const completed = await harness.outcomeOf(impl, 'StageCompleted');
    expect(completed.diffStat).toMatchObject({ files: 1, branch: `orch/${taskId}` });
    expect(git(repo, 'show', '--name-only', '--format=', `orch/${taskId}`)).toBe('src/health.ts');
    const qa = await harness.schedule({ taskId, stageType: 'qa', workspace, ...lease, context: { specification: 'spec', implementationSummary: 'done' } });
    expect((await harness.outcomeOf(qa, 'StageCompleted')).verdict).toEqual({ verdict: 'pass', findings: [] });

    const reached = await linesOf(taskId, 'fake_reach');
    expect(reached).toEqual([
      expect.objectContaining({ target: 'backend', url: `http://localhost:${backend.port}`, answer: 'HTTP 200 the slot app' }),
      expect.objectContaining({ target: 'model-api', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1\/messages$/), answer: 'HTTP 200 the model API' }),
    ]);
    expect(modelApi.requests).toEqual(['POST /v1/messages']);
    const init = (await linesOf(taskId, 'init'))[0];
    expect(init?.cwd).toBe('/workspace');
    expect((await linesOf(taskId, 'fake_slash_command')).map((line) => line.name)).toEqual(['create-spec', 'review']);
    const worktree = path.join(scratch, 'workspaces', 'tasks', taskId, 'work');
    expect((await stat(path.join(worktree, 'src', 'health.ts'))).uid).toBe(process.getuid?.());
    expect(await agentContainers()).toBe('');
  }, 90_000);

  it('given an agent that looks at its container, then it is not root, has no capabilities, no Docker socket, a read-only root and the leased container\'s pids and memory limits', async () => {
    const probe = [
      "const fs = require('node:fs');",
      "const status = fs.readFileSync('/proc/self/status', 'utf8');",
      "const read = (...files) => files.map((f) => { try { return fs.readFileSync(f, 'utf8').trim(); } catch { return null; } }).find(Boolean);",
      "const pidsMax = read('/sys/fs/cgroup/pids.max', '/sys/fs/cgroup/pids/pids.max');",
      "const memoryMax = read('/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes');",
      "let rootWritable = true; try { fs.writeFileSync('/probe', 'x'); } catch (e) { rootWritable = e.code; }",
      "console.log(JSON.stringify({ type: 'system', subtype: 'probe', uid: process.getuid(), capEff: /CapEff:\\s+(\\w+)/.exec(status)[1], noNewPrivs: /NoNewPrivs:\\s+(\\d)/.exec(status)[1], dockerSock: fs.existsSync('/var/run/docker.sock'), rootWritable, pidsMax, memoryMax }));",
      "console.log(JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'probed', num_turns: 1, total_cost_usd: 0, duration_ms: 1, session_id: '00000000-0000-4000-8000-000000000000', usage: { input_tokens: 1, output_tokens: 1 } }));",
    ].join('\n');
    const probeDir = path.join(scratch, 'probe-cli');
    await mkdir(probeDir, { recursive: true });
    await writeFile(path.join(probeDir, 'claude'), `#!/usr/bin/env node\n${probe}\n`, { mode: 0o755 });
    const probing = await RunnerHarness.start({ execution: 'container', cliPath: path.join(probeDir, 'claude'), workspacesDir: path.join(scratch, 'probe') });
    try {
      const stage = await probing.schedule({ port: backend.port, containerId: leasedId });
      await probing.outcomeOf(stage, 'StageCompleted');
      const seen = (await probing.logLines(stage.taskId)).map((line) => line.json).find((json) => json?.subtype === 'probe');
      expect(seen).toEqual({ type: 'system', subtype: 'probe', uid: 1000, capEff: '0000000000000000', noNewPrivs: '1', dockerSock: false, rootWritable: 'EROFS', pidsMax: '96', memoryMax: String(256 * 1024 * 1024) });
    } finally {
      await probing.stop();
    }
  }, 60_000);

  it('given a hostile implementation, then each of its attempts is blocked, the runner commits without running its hooks, and QA runs the original review prompt', async () => {
    const repo = await makeGitRepo(allowed, 'target');
    const workspace = { repoPath: repo, baseBranch: 'main' };
    const taskId = uuidv7();
    const lease = { port: backend.port, containerId: leasedId };
    const outside = path.join('/var/tmp', `orch-hostile-${taskId}`, 'pwned.txt');
    const marker = path.join(scratch, `hooks-ran-${taskId}`);
    const targets = [`nats@${natsUrl.hostname}:${natsUrl.port || 4222}`, 'postgres@127.0.0.1:5432', `gateway@${hostService.url}`, `outside@${outside}`, `marker@${marker}`].join(';');
    const secrets = { NATS_URL: natsUrl.toString(), DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', API_TOKEN: 'operator-token-0123456789' };
    Object.assign(process.env, secrets);
    try {
      const impl = await harness.schedule({ taskId, stageType: 'implementation', workspace, ...lease, description: `Attack [[fake:hostile=${targets},write-file=src/app.ts]]` });
      const completed = await harness.outcomeOf(impl, 'StageCompleted');
      expect(await exists(marker)).toBe(false);

      const attempts = await linesOf(taskId, 'fake_attempt');
      expect(attempts.map((line) => [line.attempt, line.outcome])).toEqual(HOSTILE_ATTEMPTS_CONTAINED); // the review prompt's rewrite is in its own worktree: the runner writes it again before QA
      expect(hostService.requests).toEqual([]);
      expect(await exists(path.dirname(outside))).toBe(false);
      expect((await readdir(path.join(repo, '.git', 'hooks'))).filter((name) => !name.endsWith('.sample'))).toEqual([]);
      expect(completed.diffStat).toMatchObject({ files: 1 });

      const qa = await harness.schedule({ taskId, stageType: 'qa', workspace, ...lease, context: { specification: 'spec', implementationSummary: 'done' } });
      await harness.outcomeOf(qa, 'StageCompleted');
      const [review] = await linesOf(taskId, 'fake_slash_command');
      expect(review).toMatchObject({ name: 'review', sha256: createHash('sha256').update(COMMAND_TEMPLATES['review.md']).digest('hex') });
      expect(await readFile(path.join(scratch, 'workspaces', 'tasks', taskId, 'work', '.claude', 'commands', 'review.md'), 'utf8')).toBe(COMMAND_TEMPLATES['review.md']);
    } finally {
      for (const name of Object.keys(secrets)) delete process.env[name];
    }
  }, 60_000);

  it('given an agent that hangs with a child, when its deadline passes, then the stage times out and its container, with everything in it, is gone', async () => {
    const stage = await harness.schedule({ port: backend.port, containerId: leasedId, timeoutS: 3, description: 'Hang [[fake:hang-with-child]]' });
    await eventually(async () => ((await agentContainers()) !== '' ? true : undefined), 15_000, "the agent's container to run");
    await harness.outcomeOf(stage, 'StageTimedOut');
    await eventually(async () => ((await agentContainers()) === '' ? true : undefined), 15_000, "the agent's container to be gone");
  }, 40_000);

  it('given an agent that hangs with a child, when CancelRun arrives mid-run, then StageCancelled is stored and its container is gone', async () => {
    const stage = await harness.schedule({ port: backend.port, containerId: leasedId, timeoutS: 60, description: 'Hang [[fake:hang-with-child]]' });
    await eventually(async () => ((await linesOf(stage.taskId, 'fake_child')).length > 0 ? true : undefined), 15_000, 'the agent to start its child');
    const { taskId, stageId, attempt } = stage;
    await harness.send(newMessage('CancelRun', taskId, { taskId, stageId, attempt, reason: 'the user cancelled' }, { producer: 'test', occurredAt: new Date().toISOString() }));
    expect(await harness.outcomeOf(stage, 'StageCancelled', 15_000)).toMatchObject({ reason: 'the user cancelled' });
    await eventually(async () => ((await agentContainers()) === '' ? true : undefined), 15_000, "the agent's container to be gone");
  }, 40_000);

  it('given agent containers left by a runner that is gone and by one that runs, when a runner starts, then it removes the first and leaves the second', async () => {
    const ownStart = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1]?.split(' ')[19] ?? '';
    const agentOf = (pid: number, start: string) =>
      dockerCli('run', '-d', '--network', 'none', '--label', `orch.test=${suiteLabel}`, '--label', `orch.agent-of=${leasedId}`, '--label', `orch.runner-host=${hostname()}`, '--label', `orch.runner-pid=${pid}`, '--label', `orch.runner-start=${start}`, TEST_CONTAINER_IMAGE);
    const orphan = await agentOf(4_194_000, '12345');
    const kept = await agentOf(process.pid, ownStart);
    const next = await RunnerHarness.start({ execution: 'container', workspacesDir: path.join(scratch, 'restart') });
    try {
      const left = (await dockerCli('ps', '-a', '-q', '--no-trunc', '--filter', `label=orch.agent-of=${leasedId}`)).split('\n');
      expect(left).toContain(kept);
      expect(left).not.toContain(orphan);
    } finally {
      await next.stop();
      await dockerCli('rm', '-f', kept);
    }
  }, 60_000);

  it('given RUNNER_EXECUTION=container and a docker client that reaches no engine, then the runner does not start, naming the variable and docker\'s words', async () => {
    const brokenDocker = path.join(scratch, 'docker-without-engine');
    await writeFile(brokenDocker, "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n", { mode: 0o755 });
    await expect(RunnerHarness.start({ execution: 'container', dockerPath: brokenDocker, workspacesDir: path.join(scratch, 'no-engine') })).rejects.toThrow(
      `RUNNER_EXECUTION: container, but ${brokenDocker} reaches no Docker engine: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?`,
    );
  }, 30_000);

  it('given a lease of a local slot, then RUNNER_EXECUTION=container fails the stage, not retryable, naming why', async () => {
    const failed = await harness.outcomeOf(await harness.schedule({ port: backend.port }), 'StageFailed');
    expect(failed).toMatchObject({ retryable: false, reason: expect.stringContaining('RUNNER_EXECUTION=container runs the agent in its leased container, but local-0 is a local slot') });
  }, 30_000);

  it('given a leased container that is gone, then the stage fails as retryable (a retry gets a fresh container)', async () => {
    const failed = await harness.outcomeOf(await harness.schedule({ port: backend.port, containerId: 'f'.repeat(64) }), 'StageFailed');
    expect(failed).toMatchObject({ retryable: true, reason: expect.stringContaining('is not running') });
  }, 30_000);
});
