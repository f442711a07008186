import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { eventually, startGitHttpServer, type GitHttpServer } from '@app/testing';
import { launchTestBrowser, SCREENSHOTS, type TestBrowser } from '../../test/support/chromium';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { ApiClient, type ApiAnswer } from '../../libs/testing/src/api-client';

const TOKEN = 'orch-e2e-approval-token-3f9b7c1d0a2e';

interface Json {
  [key: string]: unknown;
}
interface TaskAnswer {
  status: string;
  waitingFor: { kind: string; gate: string; revision: string } | null;
}

/** Issue 18's "Must show" in Chromium: approval gates on the board, a line comment that becomes the rework round's finding. */
describe('approvals in the browser (one slot, the fake agent echoing its prompts to FAKE_CLAUDE_LOG)', () => {
  let system: TestSystem;
  let server: GitHttpServer;
  let context: BrowserContext;
  let browser: TestBrowser;
  let scratch: string;
  let fakeLog: string;
  let projectId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'approval-e2e-'));
    fakeLog = path.join(scratch, 'fake-claude.log');
    process.env.ORCH_E2E_APPROVAL_TOKEN = TOKEN;
    server = await startGitHttpServer({ token: TOKEN });
    // the start answers with the admission once the orchestrator decided it: on a loaded machine that can take more than the default second
    system = await startTestSystem({ poolSize: 1, rules: { maxConcurrent: 1, maxRework: 2 }, agentEnv: { FAKE_CLAUDE_LOG: fakeLog }, gateway: { decisionWaitMs: 10_000 } });
    const repositoryUrl = await server.createRepository('acme/approval', { files: { 'README.md': '# approval\n' } });
    projectId = (await api('POST', '/api/projects', { name: 'Approval', repositoryUrl, defaultBranch: 'main', credentialRef: 'env:ORCH_E2E_APPROVAL_TOKEN' })).body.id as string;
    browser = await launchTestBrowser();
    context = browser.context;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    await server?.close();
    if (scratch) await rm(scratch, { recursive: true, force: true });
    delete process.env.ORCH_E2E_APPROVAL_TOKEN;
    delete process.env.FAKE_CLAUDE_LOG;
  }, 60_000);

  function api(method: string, route: string, body?: unknown): Promise<ApiAnswer<Json>> {
    return new ApiClient(system.baseUrl).request<Json>(method, route, body);
  }
  const task = async (taskId: string) => (await api('GET', `/api/tasks/${taskId}`)).body as unknown as TaskAnswer;
  const until = (taskId: string, what: string, check: (current: TaskAnswer) => boolean) =>
    eventually(async () => {
      const current = await task(taskId);
      return check(current) ? current : undefined;
    }, 60_000, `task ${taskId} ${what}`);
  const create = async (title: string, description: string, approvalPolicy: string) => {
    const created = await api('POST', '/api/tasks', { title, description, projectId, approvalPolicy });
    expect(created.status).toBe(201);
    return created.body.id as string;
  };
  const openTask = async (taskId: string): Promise<Page> => {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${system.baseUrl}/#/tasks/${taskId}`);
    return page;
  };
  /** The prompts the fake agent was given for one task, in order. */
  const promptsOf = async (taskId: string): Promise<string[]> =>
    (await readFile(fakeLog, 'utf8'))
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { cwd: string; prompt: string })
      .filter((entry) => entry.cwd.includes(taskId))
      .map((entry) => entry.prompt);

  it('given a task under approve-spec, then it waits in "Waiting for approval" holding no slot (the task queued behind it runs to done), its spec reads as Markdown, and Approve lets it finish', async () => {
    const gated = await create('Gated spec', 'Write the spec', 'approve-spec');
    const other = await create('Queued behind', 'Work', 'auto');
    expect((await api('POST', '/api/orchestrator/start', { taskId: gated })).status).toBe(202);
    expect((await api('POST', '/api/orchestrator/start', { taskId: other })).body).toMatchObject({ status: 'queued' });

    await until(gated, 'waiting for approval of its spec', (current) => current.status === 'waiting' && current.waitingFor?.gate === 'spec');
    // one slot: the other task could only run because the waiting one gave its slot up
    await until(other, 'done', (current) => current.status === 'done');
    expect((await task(gated)).status).toBe('waiting');

    const board = await context.newPage();
    board.on('pageerror', (error) => pageErrors.push(error.message));
    await board.goto(`${system.baseUrl}/`);
    await board.getByTestId('column-waiting').getByRole('link', { name: 'Gated spec', exact: true }).waitFor();
    await board.screenshot({ path: path.join(SCREENSHOTS, 'approval-1-waiting-column.png'), fullPage: true });
    await board.close();

    const page = await openTask(gated);
    await page.getByTestId('spec-markdown').locator('h1').first().waitFor();
    expect(await page.getByTestId('spec-markdown').locator('h2').count()).toBeGreaterThan(0); // "## Goal" and the others are headings, not text
    await page.getByTestId('decision').getByText('Waiting for approval of the specification').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'approval-2-spec-waiting.png'), fullPage: true });
    await page.getByRole('button', { name: 'Approve', exact: true }).click();

    await until(gated, 'done', (current) => current.status === 'done');
    await page.getByTestId('task-status').filter({ hasText: 'done' }).waitFor();
    await page.close();
  }, 150_000);

  it('given a task under approve-result, when the reviewer comments on a line of the diff and requests changes, then the rework round\'s prompt holds that comment, and the second result is approved', async () => {
    const reviewed = await create('Reviewed result', 'Add it [[fake:write-file=src/health.ts]]', 'approve-result');
    expect((await api('POST', '/api/orchestrator/start', { taskId: reviewed })).status).toBe(202);
    const first = await until(reviewed, 'waiting for approval of its result', (current) => current.status === 'waiting' && current.waitingFor?.gate === 'result');

    const page = await openTask(reviewed);
    const diff = page.getByTestId('diff-view');
    await diff.locator('.d2h-file-wrapper').first().waitFor();
    await page.getByTestId('decision').getByText(first.waitingFor!.revision.slice(0, 12)).waitFor();
    await diff.locator('td.d2h-code-linenumber .line-num2', { hasText: /^\s*2\s*$/ }).first().click();
    const draft = page.getByTestId('comment-draft');
    await draft.getByText('Comment on src/health.ts:2').waitFor();
    await draft.locator('textarea').fill('Log the endpoint name');
    await draft.getByRole('button', { name: 'Add comment' }).click();
    await page.getByTestId('review-comments').getByText('src/health.ts:2').waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'approval-3-line-comment.png'), fullPage: true });
    await page.getByRole('button', { name: 'Request changes', exact: true }).click();

    // the rework round ran and the task waits again, on the new commit
    const second = await until(reviewed, 'waiting again on a new revision', (current) => current.status === 'waiting' && current.waitingFor?.revision !== first.waitingFor?.revision);
    const implementations = (await promptsOf(reviewed)).filter((prompt) => !prompt.startsWith('/'));
    expect(implementations).toHaveLength(2);
    expect(implementations[0]).not.toContain('Log the endpoint name');
    expect(implementations[1]).toContain('src/health.ts:2');
    expect(implementations[1]).toContain('Log the endpoint name');

    await page.getByTestId('decision').getByText(second.waitingFor!.revision.slice(0, 12)).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'approval-4-second-result.png'), fullPage: true });
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await until(reviewed, 'done', (current) => current.status === 'done');
    await page.getByTestId('task-status').filter({ hasText: 'done' }).waitFor();
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
