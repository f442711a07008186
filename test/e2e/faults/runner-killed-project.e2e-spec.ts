import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeGitHubApi, startGitHttpServer, type FakeGitHubApi, type GitHttpServer } from '@app/testing';
import type { NatsClient } from '@app/messaging';
import { ApiClient, allTerminal } from '../../../libs/testing/src/api-client';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { FAKE_CLAUDE_ENV, FAKE_CLAUDE_PATH } from '../../../libs/testing/src/fixtures';
import { connectTestClient, eventually } from '../../../libs/testing/src/nats';
import { messagingEnv, spawnApp, type AppProcess } from '../../../libs/testing/src/processes';
import { startTestSystem, type TestSystem } from '../../../test/support/system';

const HEARTBEAT_TIMEOUT_S = 3;
const TOKEN = 'orch-fault-git-token-0b7c5e3a91';

/** A task of a project by URL: its runner SIGKILLed once implementation was pushed; a second runner with an empty WORKSPACES_DIR continues from the pushed branch. */
describe('fault: the runner of a project task killed after implementation', () => {
  let system: TestSystem;
  let client: NatsClient;
  let server: GitHttpServer;
  let github: FakeGitHubApi;
  let scratch: string;
  const runners: AppProcess[] = [];

  beforeAll(async () => {
    await buildAppsOnce();
    scratch = await mkdtemp(path.join(tmpdir(), 'orch-fault-project-'));
    server = await startGitHttpServer({ token: TOKEN });
    github = await startFakeGitHubApi({ tokens: [TOKEN], repositories: ['acme/fault'] });
    await server.createRepository('acme/fault');
    system = await startTestSystem({ runner: false, heartbeatTimeoutS: HEARTBEAT_TIMEOUT_S });
    client = await connectTestClient(system.messaging);
  }, 240_000);

  afterAll(async () => {
    for (const runner of runners) await runner.kill('SIGKILL');
    await client?.close();
    await system?.stop();
    await github?.stop();
    await server?.close();
    await rm(scratch, { recursive: true, force: true });
  }, 60_000);

  const runner = (name: string) => {
    const process = spawnApp(
      'runner',
      {
        ...messagingEnv(system.messaging, 'runner'),
        RUNNER_ID: name,
        CLAUDE_CLI_PATH: FAKE_CLAUDE_PATH,
        CLAUDE_API_KEY: 'sk-ant-test-key',
        WORKSPACES_DIR: path.join(scratch, name),
        RUNNER_HEARTBEAT_MS: '500',
        RUNNER_LOG_BATCH_MS: '50',
        RUNNER_KILL_GRACE_MS: '1000',
        AGENT_ENV_PASSTHROUGH: FAKE_CLAUDE_ENV.join(','),
        RUNNER_EXECUTION: 'host',
        FAULT_GIT_TOKEN: TOKEN,
      },
      name,
    );
    runners.push(process);
    return process;
  };

  it('given implementation pushed by runner-1, when it is SIGKILLed during QA, then runner-2 with an empty workspace continues from the pushed branch and opens the pull request', async () => {
    const first = runner('runner-1');
    const api = new ApiClient(system.baseUrl);
    const projectId = (
      await api.request<{ id: string }>('POST', '/api/projects', {
        name: 'Fault',
        repositoryUrl: `${server.baseUrl}/acme/fault.git`,
        credentialRef: 'env:FAULT_GIT_TOKEN',
        forge: { kind: 'github', apiBaseUrl: github.url },
      })
    ).body.id;
    const taskId = await api.createTask('Survives its runner', 'Work [[fake:write-file=src/fault.ts,slow=400]]', { projectId });
    await api.start(taskId);

    // QA started on runner-1: the implementation is pushed by then
    await eventually(async () => ((await readEventLog(client, client.subjects.task(taskId))).some(({ event }) => event.type === 'StageStarted' && event.data.stageType === 'qa') ? true : undefined), 60_000, 'QA started');
    const pushed = await server.branchHead('acme/fault', `orch/${taskId}`);
    expect(pushed).not.toBeNull();
    await first.kill('SIGKILL');
    runner('runner-2');

    await allTerminal(client, [taskId], 90_000);
    const events = (await readEventLog(client, client.subjects.task(taskId))).map(({ event }) => event);
    expect(events.some((event) => event.type === 'OrchestrationCompleted')).toBe(true);
    const qaStarts = events.filter((event) => event.type === 'StageStarted' && event.data.stageType === 'qa');
    expect(qaStarts.map((event) => (event.type === 'StageStarted' ? event.data.runnerId : null))).toEqual(['runner-1', 'runner-2']);
    expect(events.some((event) => event.type === 'StageTimedOut' && event.data.stageType === 'qa')).toBe(true);
    // runner-2 worked on the branch as pushed: its mirror and worktree came from the remote, the pushed commit is in the pull request's branch
    expect(await readdir(path.join(scratch, 'runner-2', 'mirrors'))).toEqual([`${projectId}.git`]);
    const files = await server.readBranch('acme/fault', `orch/${taskId}`);
    expect(Object.keys(files)).toContain('src/fault.ts');
    const opened = events.find((event) => event.type === 'TaskPullRequestOpened');
    expect(opened?.data).toMatchObject({ head: `orch/${taskId}`, base: 'main' });
    expect(github.violations).toEqual([]);
    expect(github.pulls).toHaveLength(1);
  }, 180_000);
});
