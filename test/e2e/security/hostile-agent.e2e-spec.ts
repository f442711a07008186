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
import { ensureTestImage, removeContainersLabelled, TEST_CONTAINER_IMAGE } from '../../../libs/testing/src/docker';
import { HOSTILE_ATTEMPTS_CONTAINED } from '../../../libs/testing/src/fixtures';
import { useSuite } from '../../support/suite';

const TOKEN = 'operator-token-hostile-0123456789';
const exists = (file: string) => stat(file).then(() => true, () => false);

/** How the agent is contained: under bubblewrap on a local slot, or in a container beside its Docker lease. */
const MODES = [
  {
    execution: 'sandbox',
    how: 'sandboxed (bubblewrap) on the host, local driver',
    poolEnv: {},
  },
  {
    execution: 'container',
    how: 'in a container of its own beside its Docker lease (Docker driver, slots of orch-pool-test)',
    // no bridge on the test engine: slots share the host's network, as CONTAINER_NETWORK_MODE=host; the agent's container has none
    poolEnv: { POOL_DRIVER: 'docker', CONTAINER_IMAGE: TEST_CONTAINER_IMAGE, CONTAINER_NETWORK_MODE: 'host', CONTAINER_MEMORY_MB: '512', CONTAINER_CPUS: '1', CONTAINER_PIDS_LIMIT: '128' },
  },
] as const;

/**
 * Security: a hostile agent (the fake CLI's `hostile` mode) during implementation, with the
 * four apps as real processes and the runner's environment full of the system's secrets
 * (NATS_URL, DATABASE_URL, API_TOKEN, CLAUDE_API_KEY), the agent sandboxed on the host
 * (RUNNER_EXECUTION=sandbox) or in a container (RUNNER_EXECUTION=container, Docker driver).
 * Every attempt must fail, and QA must run the runner's own review prompt.
 */
describe.each(MODES)('security: a hostile agent ($execution) reaches nothing of the system', ({ execution, how, poolEnv }) => {
  let system: ProcessSystem;
  let scratch: string;
  let repos: string;

  useSuite(async (keep) => {
    await buildAppsOnce();
    if (execution === 'container') ensureTestImage();
    scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'hostile-agent-')));
    repos = path.join(scratch, 'repos');
    await mkdir(repos, { recursive: true });
    keep(async () => {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    });
    keep(async () => {
      if (system && execution === 'container') await removeContainersLabelled('orch.pool', system.poolId);
    });
    system = keep(await startProcessSystem({
      limit: 1,
      env: { API_TOKEN: TOKEN, ORCHESTRATOR_MAX_RETRIES: '0' },
      appEnv: { runner: { RUNNER_EXECUTION: execution, WORKSPACE_ALLOWED_ROOTS: repos, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' }, 'pool-manager': poolEnv },
    }));
  }, 240_000);

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
    // in a container, the agent also checks what it is meant to reach: its slot's app (busybox httpd answers `ok`)
    const reach = execution === 'container' ? ',reach-services' : '';
    const taskId = await api.createTask('Take over', `Do it [[fake:hostile=${targets}${reach}]]`, { repoPath: repo, baseBranch: 'main' });
    expect((await api.start(taskId)).status).toBe(202);
    await allTerminal(system.client, [taskId], 90_000);
    const task = (await api.request<{ status: string; failureReason: string | null }>('GET', `/api/tasks/${taskId}`)).body;
    expect(task).toMatchObject({ status: 'done', failureReason: null });

    const events = await readStream(system.client, system.client.subjects.eventsStream);
    const stored = await readStream(system.client, system.client.subjects.logsStream, `${system.client.subjects.root}.log.${taskId}.>`);
    const lines = stored.flatMap((message) => (JSON.parse(message.text) as MessageOf<'RunOutputLogged'>).data.lines).map((line) => line.json);
    const attempts = lines.filter((json) => json?.subtype === 'fake_attempt').map((json) => ({ attempt: json?.attempt, outcome: json?.outcome, detail: json?.detail }));
    expect(attempts.map(({ attempt, outcome }) => [attempt, outcome])).toEqual(HOSTILE_ATTEMPTS_CONTAINED); // the review prompt's rewrite is in its own worktree: the runner writes it again before QA
    if (execution === 'container') {
      expect(lines.find((json) => json?.subtype === 'fake_reach' && json.target === 'backend')?.answer).toBe('HTTP 200 ok');
      const granted = events.map((message) => JSON.parse(message.text) as { type: string; data: { containerId?: string } }).find((event) => event.type === 'LeaseGranted');
      expect(granted?.data.containerId).toMatch(/^[0-9a-f]{64}$/); // a Docker container's lease, not a local slot's
    }
    const review = lines.find((json) => json?.subtype === 'fake_slash_command' && json.name === 'review');
    expect(review?.sha256).toBe(createHash('sha256').update(COMMAND_TEMPLATES['review.md'] ?? '').digest('hex'));
    expect(await exists(path.dirname(outside))).toBe(false);
    expect(await exists(marker)).toBe(false);
    expect((await readdir(path.join(repo, '.git', 'hooks'))).filter((name) => !name.endsWith('.sample'))).toEqual([]);
    // nothing forged reached the log: only the system's own producers appended to the task
    expect(events.filter((message) => message.subject.endsWith('.hostile'))).toEqual([]);

    await recordFigures(execution === 'sandbox' ? 'security-hostile-agent' : 'security-hostile-agent-container', {
      check: `the fake CLI in hostile mode during implementation, ${how}, four apps as processes, the runner env holding NATS_URL, DATABASE_URL, API_TOKEN, CLAUDE_API_KEY`,
      attempts: attempts.length,
      blocked: attempts.filter((item) => item.outcome === 'blocked').length,
      blockedHow: attempts.map((item) => `${String(item.attempt)}: ${String(item.detail)}`).join('; '),
      reviewPromptIntact: review?.sha256 === createHash('sha256').update(COMMAND_TEMPLATES['review.md'] ?? '').digest('hex'),
      taskStatus: task.status,
    });
  }, 120_000);
});
