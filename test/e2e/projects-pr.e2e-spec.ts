import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { connectTestClient, eventually, readEventLog, startFakeGitHubApi, startGitHttpServer, type FakeGitHubApi, type GitHttpServer } from '@app/testing';
import { databaseTexts, occurrences, secretNeedles, streamTexts } from '../../libs/testing/src/secret-scan';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { useSuite } from '../support/suite';
import { ApiClient, type ApiAnswer } from '../../libs/testing/src/api-client';

const BUILT_BOARD = path.resolve(__dirname, '../../dist/board/index.html');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TOKEN = 'orch-e2e-forge-token-6c1f0a9d27b4';
const WRONG_TOKEN = 'orch-e2e-wrong-token-4b8e2d0c1a96';
const BOARD_URL = 'http://board.example.com';

interface Json {
  [key: string]: unknown;
}

/** A project on a real git server over HTTP with a token, through to a pull request on a fake of GitHub that checks every call against GitHub's OpenAPI description. */
describe('projects: a task of a project by URL ends as a pushed branch and a pull request the board links', () => {
  let system: TestSystem;
  let server: GitHttpServer;
  let github: FakeGitHubApi;
  let context: BrowserContext;
  let userDataDir: string;
  let page: Page;
  let repositoryUrl: string;
  const pageErrors: string[] = [];

  useSuite(async (keep) => {
    if (!existsSync(BUILT_BOARD)) throw new Error(`the board is not built (${BUILT_BOARD}); run \`npm run build\``);
    process.env.ORCH_E2E_GIT_TOKEN = TOKEN;
    process.env.ORCH_E2E_WRONG_TOKEN = WRONG_TOKEN;
    keep(async () => {
      delete process.env.ORCH_E2E_WRONG_TOKEN;
    });
    keep(async () => {
      delete process.env.ORCH_E2E_GIT_TOKEN;
    });
    server = keep(await startGitHttpServer({ token: TOKEN }));
    github = keep(await startFakeGitHubApi({ tokens: [TOKEN], repositories: ['acme/shop'] }));
    repositoryUrl = await server.createRepository('acme/shop', { files: { 'README.md': '# shop\n' } });
    system = keep(await startTestSystem({ boardPublicUrl: BOARD_URL }));
    userDataDir = await mkdtemp(path.join(tmpdir(), 'projects-chromium-'));
    keep(async () => {
      if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    });
    context = keep(await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1600, height: 1000 } }));
  }, 90_000);

  const api = (method: string, route: string, body?: unknown): Promise<ApiAnswer<Json>> => new ApiClient(system.baseUrl).request<Json>(method, route, body);
  const project = (name: string, credentialRef: string) => ({ name, repositoryUrl, defaultBranch: 'main', credentialRef, forge: { kind: 'github', apiBaseUrl: github.url } });
  const waitForStatus = (taskId: string, statuses: string[]) =>
    eventually(async () => {
      const task = (await api('GET', `/api/tasks/${taskId}`)).body;
      return statuses.includes(task.status as string) ? task : undefined;
    }, 60_000, `task ${taskId} ${statuses.join(' or ')}`);

  it('given a project with a token, when a task of it is created in the board and started, then its branch with the agent’s commit is on the server, the pull request was asked for validly with the verdict, and the board links it', async () => {
    const created = await api('POST', '/api/projects', project('Shop', 'env:ORCH_E2E_GIT_TOKEN'));
    expect(created.status).toBe(201);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${system.baseUrl}/`);
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor();

    const title = 'Add a health endpoint';
    await page.getByLabel('Project').selectOption({ label: `Shop · ${repositoryUrl}` });
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Description').fill('GET /health answers 200 [[fake:write-file=src/health.ts]]');
    await page.getByRole('button', { name: 'Create task' }).click();
    const card = page.getByTestId('task-card').filter({ has: page.getByRole('link', { name: title, exact: true }) });
    await card.waitFor();
    const taskId = (await card.getAttribute('data-task-id')) ?? '';
    expect((await api('GET', `/api/tasks/${taskId}`)).body).toMatchObject({ projectId: created.body.id, baseBranch: 'main', repoPath: null });
    await card.getByRole('button', { name: 'Start' }).click();

    const done = await waitForStatus(taskId, ['done', 'failed']);
    expect(done.status).toBe('done');
    const branch = `orch/${taskId}`;
    expect(Object.keys(await server.readBranch('acme/shop', branch))).toContain('src/health.ts');
    expect(server.log.some((request) => request.path.includes('git-receive-pack') && request.status === 200)).toBe(true);

    expect(github.violations).toEqual([]);
    const create = github.requests.find((request) => request.operationId === 'pulls/create');
    expect(create?.body).toMatchObject({ head: branch, base: 'main', title });
    expect((create?.body as Json).body).toContain('**pass**');
    expect((create?.body as Json).body).toContain(`${BOARD_URL}/#/tasks/${taskId}`);
    const pullUrl = `${github.url}/acme/shop/pull/${github.pulls[0]?.number}`;
    expect(done.pullRequestUrl).toBe(pullUrl);

    // the board: the card links the pull request live, and so does the task's page
    await expect(card.getByTestId('card-pull-request').getAttribute('href')).resolves.toBe(pullUrl);

    // merged on the forge: the runner's poll sees it and the card says so, live
    github.merge(github.pulls[0]?.number ?? 0);
    await card.getByTestId('card-pull-request').filter({ hasText: 'merged' }).waitFor({ timeout: 15_000 });
    await card.getByRole('link', { name: title }).click();
    await expect(page.getByTestId('task-pull-request').getAttribute('href')).resolves.toBe(pullUrl);
    await expect(page.getByTestId('task-pull-request-state').innerText()).resolves.toContain('merged');
    expect((await api('GET', `/api/tasks/${taskId}`)).body.pullRequestState).toBe('merged');
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it('given a project whose token is wrong, when its task starts, then the first stage fails at once, not retryable, naming the credential reference; and neither token is stored in any stream, table or API answer', async () => {
    const projectId = (await api('POST', '/api/projects', project('Shop, wrong token', 'env:ORCH_E2E_WRONG_TOKEN'))).body.id as string;
    const taskId = (await api('POST', '/api/tasks', { title: 'Never fetched', projectId })).body.id as string;
    await api('POST', '/api/orchestrator/start', { taskId });

    const failed = await waitForStatus(taskId, ['failed', 'done']);
    expect(failed.status).toBe('failed');
    const stages = (await api('GET', `/api/orchestrator/stages/${taskId}`)).body as unknown as Json[];
    expect(stages).toHaveLength(1);
    expect(stages[0]).toMatchObject({ stageType: 'specification', status: 'failed', retryable: false, attempt: 1 });
    expect(stages[0]?.errorMessage).toContain('refused the credential env:ORCH_E2E_WRONG_TOKEN');

    await new Promise((resolve) => setTimeout(resolve, 500)); // the projection has applied everything
    const client = await connectTestClient(system.messaging);
    const tasks = (await api('GET', '/api/tasks')).body.items as Json[];
    const answers: Record<string, string> = { 'GET /api/projects': JSON.stringify((await api('GET', '/api/projects')).body), 'GET /api/tasks': JSON.stringify(tasks) };
    for (const task of tasks) answers[`GET /api/orchestrator/stages/${task.id as string}`] = JSON.stringify((await api('GET', `/api/orchestrator/stages/${task.id as string}`)).body);
    const texts: Record<string, string> = {};
    for (const [name, text] of Object.entries(await streamTexts(client))) texts[`stream ${name}`] = text;
    for (const [name, text] of Object.entries(await databaseTexts(system.database.url))) texts[`table ${name}`] = text;
    for (const [name, text] of Object.entries(answers)) texts[name] = text;
    expect((await readEventLog(client, client.subjects.allProjects)).length).toBeGreaterThanOrEqual(2);
    await client.close();
    const found: Record<string, number> = {};
    for (const secret of [TOKEN, WRONG_TOKEN]) {
      const needles = secretNeedles(secret);
      for (const [name, text] of Object.entries(texts)) {
        const count = occurrences(text, needles);
        if (count > 0) found[`${name}`] = (found[name] ?? 0) + count;
      }
    }
    expect(found).toEqual({});
    expect(texts['table public.projects']).toContain('env:ORCH_E2E_WRONG_TOKEN'); // the reference is stored, the secret is not
  }, 90_000);
});
