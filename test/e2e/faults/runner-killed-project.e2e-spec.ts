import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { startFakeGitHubApi, startGitHttpServer, type FakeGitHubApi, type GitHttpServer } from '@app/testing';
import { ApiClient, allTerminal } from '../../../libs/testing/src/api-client';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { eventually } from '../../../libs/testing/src/nats';
import { HostRunners, useFaultSystem } from './fault.support';

const HEARTBEAT_TIMEOUT_S = 3;
const TOKEN = 'orch-fault-git-token-0b7c5e3a91';

/** A task of a project by URL: its runner SIGKILLed once implementation was pushed; a second runner with an empty WORKSPACES_DIR continues from the pushed branch. */
describe('fault: the runner of a project task killed after implementation', () => {
  let server: GitHttpServer;
  let github: FakeGitHubApi;
  const fault = useFaultSystem('orch-fault-project-', () => ({ runner: false, heartbeatTimeoutS: HEARTBEAT_TIMEOUT_S }), {
    before: async () => {
      await buildAppsOnce();
      server = await startGitHttpServer({ token: TOKEN });
      github = await startFakeGitHubApi({ tokens: [TOKEN], repositories: ['acme/fault'] });
      await server.createRepository('acme/fault');
    },
    beforeStop: () => runners.stop(),
    afterStop: async () => {
      await github?.stop();
      await server?.close();
    },
    startTimeoutMs: 240_000,
  });
  const runners = new HostRunners(fault);
  // each runner on a WORKSPACES_DIR of its own: the second starts empty
  const runner = (name: string) => runners.start(name, { workspacesDir: path.join(fault.scratch, name), env: { FAULT_GIT_TOKEN: TOKEN } });

  it('given implementation pushed by runner-1, when it is SIGKILLed during QA, then runner-2 with an empty workspace continues from the pushed branch and opens the pull request', async () => {
    const { system, client, scratch } = fault;
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
