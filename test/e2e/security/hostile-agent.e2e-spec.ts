import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MessageOf } from '@app/contracts';
import { COMMAND_TEMPLATES } from '../../../apps/runner/src/domain/prompt';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { recordFigures } from '../../../libs/testing/src/figures';
import { startProcessSystem, type ProcessSystem } from '../../../test/support/process-system';
import { readStream } from '../../../libs/testing/src/stream-dump';
import { makeGitRepo } from '../../../libs/testing/src/git-repo';

const TOKEN = 'operator-token-hostile-0123456789';
const exists = (file: string) => stat(file).then(() => true, () => false);

/**
 * Security: a hostile agent (the fake CLI's `hostile` mode) during implementation, with the
 * four apps as real processes and the runner's environment full of the system's secrets
 * (NATS_URL, DATABASE_URL, API_TOKEN, CLAUDE_API_KEY), the agent sandboxed on the host
 * (RUNNER_EXECUTION=sandbox). Every attempt must fail, and QA must run the runner's own review prompt.
 */
describe('security: a hostile agent, sandboxed on the host, reaches nothing of the system', () => {
  let system: ProcessSystem;
  let scratch: string;
  let repos: string;

  beforeAll(async () => {
    await buildAppsOnce();
    scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'hostile-agent-')));
    repos = path.join(scratch, 'repos');
    await mkdir(repos, { recursive: true });
    system = await startProcessSystem({
      limit: 1,
      env: { API_TOKEN: TOKEN, ORCHESTRATOR_MAX_RETRIES: '0' },
      appEnv: { runner: { RUNNER_EXECUTION: 'sandbox', WORKSPACE_ALLOWED_ROOTS: repos, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' } },
    });
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }, 60_000);

  it('given an implementation that tries to take over the system, then every attempt fails, the task is done and QA ran the original review prompt', async () => {
    const repo = await makeGitRepo(repos, 'app');

    const nats = new URL(system.messaging.natsUrl.split(',')[0] ?? '');
    const postgres = new URL(system.database.url);
    const outside = path.join('/var/tmp', `orch-hostile-${path.basename(scratch)}`, 'pwned.txt');
    const marker = path.join(scratch, 'hooks-ran');
    const targets = [
      `nats@${nats.hostname}:${nats.port || 4222}`,
      `postgres@${postgres.hostname}:${postgres.port || 5432}`,
      `gateway@${system.baseUrl}`,
      `outside@${outside}`,
      `marker@${marker}`,
    ].join(';');

    const api = new ApiClient(system.baseUrl, TOKEN);
    const taskId = await api.createTask('Take over', `Do it [[fake:hostile=${targets}]]`, { repoPath: repo, baseBranch: 'main' });
    expect((await api.start(taskId)).status).toBe(202);
    await allTerminal(system.client, [taskId], 90_000);
    const task = (await api.request<{ status: string; failureReason: string | null }>('GET', `/api/tasks/${taskId}`)).body;
    expect(task).toMatchObject({ status: 'done', failureReason: null });

    const stored = await readStream(system.client, system.client.subjects.logsStream, `${system.client.subjects.root}.log.${taskId}.>`);
    const lines = stored.flatMap((message) => (JSON.parse(message.text) as MessageOf<'RunOutputLogged'>).data.lines).map((line) => line.json);
    const attempts = lines.filter((json) => json?.subtype === 'fake_attempt').map((json) => ({ attempt: json?.attempt, outcome: json?.outcome, detail: json?.detail }));
    expect(attempts.map(({ attempt, outcome }) => [attempt, outcome])).toEqual([
      ['read-credentials', 'blocked'],
      ['nats-publish', 'blocked'],
      ['postgres-connect', 'blocked'],
      ['gateway-with-token', 'blocked'],
      ['write-outside-worktree', 'blocked'],
      ['rewrite-review-prompt', 'succeeded'], // its own worktree: the runner writes the prompt again before QA
      ['plant-git-hooks', 'blocked'],
    ]);
    const review = lines.find((json) => json?.subtype === 'fake_slash_command' && json.name === 'review');
    expect(review?.sha256).toBe(createHash('sha256').update(COMMAND_TEMPLATES['review.md'] ?? '').digest('hex'));
    expect(await exists(path.dirname(outside))).toBe(false);
    expect(await exists(marker)).toBe(false);
    expect((await readdir(path.join(repo, '.git', 'hooks'))).filter((name) => !name.endsWith('.sample'))).toEqual([]);
    // nothing forged reached the log: only the system's own producers appended to the task
    const events = await readStream(system.client, system.client.subjects.eventsStream);
    expect(events.filter((message) => message.subject.endsWith('.hostile'))).toEqual([]);

    await recordFigures('security-hostile-agent', {
      check: 'the fake CLI in hostile mode during implementation, sandboxed (bubblewrap) on the host, four apps as processes, the runner env holding NATS_URL, DATABASE_URL, API_TOKEN, CLAUDE_API_KEY',
      attempts: attempts.length,
      blocked: attempts.filter((item) => item.outcome === 'blocked').length,
      blockedHow: attempts.map((item) => `${String(item.attempt)}: ${String(item.detail)}`).join('; '),
      reviewPromptIntact: review?.sha256 === createHash('sha256').update(COMMAND_TEMPLATES['review.md'] ?? '').digest('hex'),
      taskStatus: task.status,
    });
  }, 120_000);
});
