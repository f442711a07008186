import { eventually, startFakeGitHubApi, startGitHttpServer, type FakeGitHubApi, type GitHttpServer } from '@app/testing';
import type { WaitingFor } from '@app/contracts';
import { ApiClient } from '../../libs/testing/src/api-client';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { useSuite } from '../support/suite';

const TOKEN = 'orch-e2e-approval-pr-token-5e2a91c4';
const ALICE = 'alice-token-approval-pr-0123';

interface Task {
  id: string;
  status: string;
  waitingFor: WaitingFor | null;
  pullRequestUrl: string | null;
}

/** approve-result on a project by URL: the pull request is opened when a person approves the result, not when QA passes. */
describe('approve-result: the pull request waits for the approval (real git server, fake GitHub)', () => {
  let system: TestSystem;
  let server: GitHttpServer;
  let github: FakeGitHubApi;
  let alice: ApiClient;
  let repositoryUrl: string;

  useSuite(async (keep) => {
    process.env.ORCH_E2E_APPROVAL_PR_TOKEN = TOKEN;
    keep(async () => {
      delete process.env.ORCH_E2E_APPROVAL_PR_TOKEN;
    });
    server = keep(await startGitHttpServer({ token: TOKEN }));
    github = keep(await startFakeGitHubApi({ tokens: [TOKEN], repositories: ['acme/shop'] }));
    repositoryUrl = await server.createRepository('acme/shop', { files: { 'README.md': '# shop\n' } });
    system = keep(await startTestSystem({ gateway: { apiTokens: [{ name: 'alice', token: ALICE }] } }));
    alice = new ApiClient(system.baseUrl, ALICE);
  }, 90_000);

  const task = async (id: string) => (await alice.request<Task>('GET', `/api/tasks/${id}`)).body;
  const pullCreates = () => github.requests.filter((request) => request.operationId === 'pulls/create');

  it('given a task under approve-result, when QA passes, then it waits with its branch pushed and no pull request asked for; approved, exactly one valid pull request is opened and the task links it', async () => {
    const project = await alice.request<{ id: string }>('POST', '/api/projects', {
      name: 'Shop',
      repositoryUrl,
      defaultBranch: 'main',
      credentialRef: 'env:ORCH_E2E_APPROVAL_PR_TOKEN',
      forge: { kind: 'github', apiBaseUrl: github.url },
    });
    expect(project.status).toBe(201);
    const title = 'Add a health endpoint';
    const created = await alice.request<{ id: string }>('POST', '/api/tasks', {
      title,
      description: 'GET /health answers 200 [[fake:write-file=src/health.ts]]',
      projectId: project.body.id,
      approvalPolicy: 'approve-result',
    });
    const taskId = created.body.id;
    expect((await alice.start(taskId)).status).toBe(202);

    const waiting = await eventually(async () => {
      const current = await task(taskId);
      return current.status === 'waiting' || current.status === 'failed' ? current : undefined;
    }, 60_000, 'the task to wait for approval of its result');
    expect(waiting.waitingFor).toMatchObject({ kind: 'approval', gate: 'result' });
    const branch = `orch/${taskId}`;
    expect(Object.keys(await server.readBranch('acme/shop', branch))).toContain('src/health.ts');
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // time for a pull request the runner should not ask for
    expect(pullCreates()).toEqual([]);
    expect((await task(taskId)).pullRequestUrl).toBeNull();

    const decision = await alice.request('POST', `/api/tasks/${taskId}/decisions`, { decision: 'approve', revision: waiting.waitingFor?.kind === 'approval' ? waiting.waitingFor.revision : undefined });
    expect(decision.status).toBe(202);

    const linked = await eventually(async () => {
      const current = await task(taskId);
      return current.pullRequestUrl ? current : undefined;
    }, 30_000, 'the task to link its pull request');
    expect(linked.status).toBe('done');
    expect(github.violations).toEqual([]);
    expect(pullCreates()).toHaveLength(1);
    const [create] = pullCreates();
    expect(create?.body).toMatchObject({ head: branch, base: 'main', title });
    expect((create?.body as { body: string }).body).toContain('**pass**');
    expect(linked.pullRequestUrl).toBe(`${github.url}/acme/shop/pull/${github.pulls[0]?.number}`);
  }, 120_000);
});
