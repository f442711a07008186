import { stat } from 'node:fs/promises';
import path from 'node:path';
import { uuidv7, type WorkspaceSpec } from '@app/contracts';
import { eventually, startFakeGitHubApi, startGitHttpServer, type FakeGitHubApi, type GitHttpServer } from '@app/testing';
import { RunnerHarness } from '@test/support';
import { useSuite } from '../../../test/support/suite';

const TOKEN = 'orch-test-git-token-3f9a1c7e5b';
const PROJECT_ID = '01a20c27-0000-7000-8000-0000000000aa';
const exists = (file: string) => stat(file).then(() => true, () => false);
const WRONG_TOKEN = 'orch-test-wrong-token-8d2e6b4a';

describe('projects by URL: a mirror per project, the task branch pushed, the pull request opened when QA passes', () => {
  let server: GitHttpServer;
  let github: FakeGitHubApi;
  let first: RunnerHarness;
  let url: string;

  useSuite(async (keep) => {
    process.env.ORCH_TEST_GIT_TOKEN = TOKEN;
    process.env.ORCH_TEST_WRONG_TOKEN = WRONG_TOKEN;
    keep(async () => {
      delete process.env.ORCH_TEST_WRONG_TOKEN;
    });
    keep(async () => {
      delete process.env.ORCH_TEST_GIT_TOKEN;
    });
    server = keep(await startGitHttpServer({ token: TOKEN }));
    github = keep(await startFakeGitHubApi({ tokens: [TOKEN], repositories: ['acme/widgets'] }));
    url = await server.createRepository('acme/widgets', { files: { 'README.md': '# widgets\n' } });
    first = keep(await RunnerHarness.start({ boardPublicUrl: 'https://board.example.com' }));
  });

  const workspace = (credentialRef: string, remoteUrl = url): WorkspaceSpec => ({
    repoPath: null,
    baseBranch: 'main',
    remote: { projectId: PROJECT_ID, url: remoteUrl, credentialRef, forge: { kind: 'github', apiBaseUrl: github.url } },
  });

  it('given a project on a git server, when the implementation writes a file, then the task branch is pushed; a second runner with an empty workspace continues from it, and QA passing opens the pull request', async () => {
    const taskId = uuidv7();
    const branch = `orch/${taskId}`;
    const spec = await first.schedule({ taskId, stageType: 'specification', workspace: workspace('env:ORCH_TEST_GIT_TOKEN') });
    await first.outcomeOf(spec, 'StageCompleted');
    expect(await server.branchHead('acme/widgets', branch)).toBeNull(); // nothing changed: nothing pushed

    const impl = await first.schedule({ taskId, stageType: 'implementation', workspace: workspace('env:ORCH_TEST_GIT_TOKEN'), description: 'Add it [[fake:write-file=src/health.ts]]' });
    const implemented = await first.outcomeOf(impl, 'StageCompleted');
    expect(await server.branchHead('acme/widgets', branch)).toBe(implemented.diffStat?.toCommit);
    expect(Object.keys(await server.readBranch('acme/widgets', branch)).sort()).toEqual(['README.md', 'src/health.ts']);

    // another runner, nothing on its disk: it mirrors the project and continues from the pushed branch
    const second = await RunnerHarness.start({ boardPublicUrl: 'https://board.example.com' });
    try {
      const rework = await second.schedule({ taskId, stageType: 'implementation', round: 1, workspace: workspace('env:ORCH_TEST_GIT_TOKEN'), description: 'More [[fake:write-file=src/second.ts]]' });
      const reworked = await second.outcomeOf(rework, 'StageCompleted');
      expect(reworked.diffStat?.fromCommit).toBe(implemented.diffStat?.toCommit);
      expect(Object.keys(await server.readBranch('acme/widgets', branch)).sort()).toEqual(['README.md', 'src/health.ts', 'src/second.ts']);

      const qa = await second.schedule({
        taskId,
        stageType: 'qa',
        round: 1,
        workspace: workspace('env:ORCH_TEST_GIT_TOKEN'),
        title: 'Add a health endpoint',
        context: { specification: 'GET /health answers 200 with {"status":"ok"}.' },
      });
      const reviewed = await second.outcomeOf(qa, 'StageCompleted');
      expect(reviewed.verdict?.verdict).toBe('pass');

      const opened = (await second.taskEvents(taskId)).find((event) => event.type === 'TaskPullRequestOpened');
      expect(opened?.data).toMatchObject({ taskId, url: `${github.url}/acme/widgets/pull/1`, number: 1, head: branch, base: 'main', created: true });
      expect(github.violations).toEqual([]);
      const [pull] = github.pulls;
      expect(pull).toMatchObject({ head: branch, base: 'main', title: 'Add a health endpoint', state: 'open' });
      expect(pull?.body).toContain('GET /health answers 200 with {"status":"ok"}.');
      expect(pull?.body).toContain('**pass**');
      expect(pull?.body).toContain(`https://board.example.com/#/tasks/${taskId}`);
      expect(pull?.body).toMatch(/\$\d+\.\d{4} over the task's stage runs/);

      // merged on the forge: the runner's poll records it on the task subject
      github.merge(1);
      const closed = await eventually(async () => (await second.taskEvents(taskId)).find((event) => event.type === 'TaskPullRequestClosed'), 10_000, 'TaskPullRequestClosed');
      expect(closed.data).toMatchObject({ taskId, number: 1, state: 'merged', url: `${github.url}/acme/widgets/pull/1` });
      expect(github.violations).toEqual([]);
      expect(await second.rawStreams()).not.toContain(TOKEN);

      // the task ends: its worktree goes; the mirror (and the branch on the remote) and the CLI config (a follow-up's --resume) stay
      const taskDir = path.join(second.config.workspacesDir, 'tasks', taskId);
      await second.endTask(taskId, qa.orchestrationId);
      await eventually(async () => ((await exists(path.join(taskDir, 'work'))) ? undefined : true), 10_000, 'the worktree removed');
      expect(await exists(path.join(taskDir, 'claude-config'))).toBe(true);
      expect(await exists(path.join(second.config.workspacesDir, 'mirrors', `${PROJECT_ID}.git`))).toBe(true);
      expect(await server.branchHead('acme/widgets', branch)).toBe(reworked.diffStat?.toCommit);
    } finally {
      await second.stop();
    }
    expect(await first.rawStreams()).not.toContain(TOKEN);
  }, 90_000);

  it('given a wrong token, when the first stage runs, then it fails at once, not retryable, naming the credential reference and never the token', async () => {
    const spec = await first.schedule({ stageType: 'specification', workspace: workspace('env:ORCH_TEST_WRONG_TOKEN') });

    const failed = await first.outcomeOf(spec, 'StageFailed');

    expect(failed.retryable).toBe(false);
    expect(failed.reason).toContain('refused the credential env:ORCH_TEST_WRONG_TOKEN');
    expect(failed.exitCode).toBeNull();
    expect(await first.rawStreams()).not.toContain(WRONG_TOKEN);
  }, 30_000);

  it('given a credential reference that names no variable, then the stage fails not retryable, naming it', async () => {
    const spec = await first.schedule({ stageType: 'specification', workspace: workspace('env:ORCH_TEST_UNSET_TOKEN') });

    const failed = await first.outcomeOf(spec, 'StageFailed');

    expect(failed).toMatchObject({ retryable: false, reason: expect.stringContaining('env:ORCH_TEST_UNSET_TOKEN is not set on this runner') });
  }, 30_000);

  it('given a remote that does not answer, then the stage fails retryable', async () => {
    const closed = `${server.baseUrl.replace(/:\d+$/, ':9')}/acme/widgets.git`;
    const spec = await first.schedule({ stageType: 'specification', workspace: workspace('env:ORCH_TEST_GIT_TOKEN', closed) });

    const failed = await first.outcomeOf(spec, 'StageFailed');

    expect(failed).toMatchObject({ retryable: true, reason: expect.stringContaining(`could not fetch from ${closed}`) });
  }, 30_000);
});
