import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { uuidv7 } from '@app/contracts';
import { git, HOSTILE_ATTEMPTS_CONTAINED, listeningServer, makeGitRepo, type ListeningServer } from '@app/testing';
import type { RunnerHarness } from './runner-harness';
import { COMMAND_TEMPLATES } from '../../apps/runner/src/domain/prompt';

/**
 * The scenarios the runner's contained executions (sandbox, container) pass alike: the agent
 * runs and reaches its slot and the model API through the runner's forwards, and a hostile
 * agent reaches nothing else.
 */

type Json = Record<string, unknown>;

const exists = (file: string) => stat(file).then(() => true, () => false);

/** The fake CLI's lines of one subtype in a task's log. */
export async function linesOf(harness: RunnerHarness, taskId: string, subtype: string): Promise<Json[]> {
  return (await harness.logLines(taskId)).map((line) => line.json).filter((json): json is Json => json?.subtype === subtype);
}

/** The services around a contained agent: its slot's app, the model API (ANTHROPIC_BASE_URL, where the runner's forward leads) and a host service it must not reach. */
export interface AgentServices {
  backend: ListeningServer;
  modelApi: ListeningServer;
  hostService: ListeningServer;
  close(): Promise<void>;
}

export async function startAgentServices(): Promise<AgentServices> {
  const backend = await listeningServer('the slot app');
  const modelApi = await listeningServer('the model API');
  const hostService = await listeningServer('a host service');
  process.env.ANTHROPIC_BASE_URL = modelApi.url; // the runner's forward leads there
  return {
    backend,
    modelApi,
    hostService,
    async close() {
      delete process.env.ANTHROPIC_BASE_URL;
      await Promise.all([backend.close(), modelApi.close(), hostService.close()]);
    },
  };
}

export interface ContainedRun {
  harness: RunnerHarness;
  services: AgentServices;
  /** the allowed root the repositories are made in */
  allowed: string;
  /** the harness's WORKSPACES_DIR */
  workspacesDir: string;
  /** the lease's container, for the container execution */
  containerId?: string;
}

const leaseOf = ({ services, containerId }: ContainedRun) => ({ port: services.backend.port, ...(containerId === undefined ? {} : { containerId }) });

/**
 * Spec, implementation and QA of a task in a repository: the work is committed on the task's
 * branch, the slot and the model API answer through the forwards, the slash commands ran. The task's id.
 */
export async function expectThreeStagesThroughTheForwards(run: ContainedRun): Promise<string> {
  const { harness, services } = run;
  const repo = await makeGitRepo(run.allowed, 'app');
  const workspace = { repoPath: repo, baseBranch: 'main' };
  const taskId = uuidv7();
  const lease = leaseOf(run);

  await harness.outcomeOf(await harness.schedule({ taskId, stageType: 'specification', workspace, ...lease }), 'StageCompleted');
  const impl = await harness.schedule({ taskId, stageType: 'implementation', workspace, ...lease, description: 'Do it [[fake:write-file=src/health.ts,reach-services]]' });
  const completed = await harness.outcomeOf(impl, 'StageCompleted');
  expect(completed.diffStat).toMatchObject({ files: 1, branch: `orch/${taskId}` });
  expect(git(repo, 'show', '--name-only', '--format=', `orch/${taskId}`)).toBe('src/health.ts');
  const qa = await harness.schedule({ taskId, stageType: 'qa', workspace, ...lease, context: { specification: 'spec', implementationSummary: 'done' } });
  expect((await harness.outcomeOf(qa, 'StageCompleted')).verdict).toEqual({ verdict: 'pass', findings: [] });

  const reached = await linesOf(harness, taskId, 'fake_reach');
  expect(reached).toEqual([
    expect.objectContaining({ target: 'backend', url: `http://localhost:${services.backend.port}`, answer: 'HTTP 200 the slot app' }),
    expect.objectContaining({ target: 'model-api', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1\/messages$/), answer: 'HTTP 200 the model API' }),
  ]);
  expect(services.modelApi.requests).toEqual(['POST /v1/messages']);
  expect((await linesOf(harness, taskId, 'fake_slash_command')).map((line) => line.name)).toEqual(['create-spec', 'review']);
  return taskId;
}

/**
 * A hostile implementation: each of its attempts (NATS, Postgres, a host service, a file outside,
 * a git hook) is blocked, the runner commits without running hooks, and QA runs the original review prompt.
 */
export async function expectHostileAttemptsContained(run: ContainedRun, scratch: string, natsUrl: URL): Promise<void> {
  const { harness, services } = run;
  const repo = await makeGitRepo(run.allowed, 'target');
  const workspace = { repoPath: repo, baseBranch: 'main' };
  const taskId = uuidv7();
  const lease = leaseOf(run);
  // outside /tmp: the sandbox's /tmp is a private one, where a write would land harmlessly
  const outside = path.join('/var/tmp', `orch-hostile-${taskId}`, 'pwned.txt');
  const marker = path.join(scratch, `hooks-ran-${taskId}`);
  const targets = [`nats@${natsUrl.hostname}:${natsUrl.port || 4222}`, 'postgres@127.0.0.1:5432', `gateway@${services.hostService.url}`, `outside@${outside}`, `marker@${marker}`].join(';');
  // the runner's own environment holds the system's secrets: none may reach the agent
  const secrets = { NATS_URL: natsUrl.toString(), DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', API_TOKEN: 'operator-token-0123456789' };
  Object.assign(process.env, secrets);
  try {
    const impl = await harness.schedule({ taskId, stageType: 'implementation', workspace, ...lease, description: `Attack [[fake:hostile=${targets},write-file=src/app.ts]]` });
    const completed = await harness.outcomeOf(impl, 'StageCompleted');
    expect(await exists(marker)).toBe(false); // the runner's commit ran no hook

    const attempts = await linesOf(harness, taskId, 'fake_attempt');
    expect(attempts.map((line) => [line.attempt, line.outcome])).toEqual(HOSTILE_ATTEMPTS_CONTAINED); // the review prompt's rewrite is in its own worktree: the runner writes it again before QA
    expect(services.hostService.requests).toEqual([]);
    expect(await exists(path.dirname(outside))).toBe(false);
    expect((await readdir(path.join(repo, '.git', 'hooks'))).filter((name) => !name.endsWith('.sample'))).toEqual([]);
    expect(completed.diffStat).toMatchObject({ files: 1 }); // src/app.ts; the rewritten prompt is not committed

    const qa = await harness.schedule({ taskId, stageType: 'qa', workspace, ...lease, context: { specification: 'spec', implementationSummary: 'done' } });
    await harness.outcomeOf(qa, 'StageCompleted');
    const [review] = await linesOf(harness, taskId, 'fake_slash_command');
    expect(review).toMatchObject({ name: 'review', sha256: createHash('sha256').update(COMMAND_TEMPLATES['review.md']).digest('hex') });
    expect(await readFile(path.join(run.workspacesDir, 'tasks', taskId, 'work', '.claude', 'commands', 'review.md'), 'utf8')).toBe(COMMAND_TEMPLATES['review.md']);
  } finally {
    for (const name of Object.keys(secrets)) delete process.env[name];
  }
}
