import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { eventually, startTcpProxy, type TcpProxy } from '@app/testing';
import { ApiClient } from '../../libs/testing/src/api-client';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { useSuite } from '../support/suite';

/** Where the screenshots go (git-ignored; the README says so). */
const SCREENSHOTS = path.resolve(__dirname, '../../artifacts/screenshots');
const BUILT_BOARD = path.resolve(__dirname, '../../dist/board/index.html');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** Debian's Chromium, headless, quiet on a machine without a network beyond loopback. */
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Records every column the card titled `title` is seen in, as the DOM changes: proof that
 * it moved through them live. Plain JS, run in the page.
 */
const recordColumns = (title: string): string => `(() => {
  const seen = [];
  const record = () => {
    const card = [...document.querySelectorAll('[data-testid="task-card"]')].find((node) => node.querySelector('.card-title')?.textContent === ${JSON.stringify(title)});
    const column = card?.closest('[data-testid^="column-"]')?.getAttribute('data-testid')?.slice('column-'.length);
    if (column && seen[seen.length - 1] !== column) seen.push(column);
  };
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  record();
  window.__columnsSeen = window.__columnsSeen ?? {};
  window.__columnsSeen[${JSON.stringify(title)}] = seen;
})()`;

async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(BUILT_BOARD)) throw new Error(`the board is not built (${BUILT_BOARD}); run \`npm run build\` or \`npm test\`, which builds it`);
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'board-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 1600, height: 1000 },
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Opens the board and waits until it follows the socket; records uncaught errors of the page. */
async function openBoard(context: BrowserContext, url: string, pageErrors: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(url);
  return page;
}

const card = (page: Page, title: string): Locator => page.getByTestId('task-card').filter({ has: page.getByRole('link', { name: title, exact: true }) });
const column = (page: Page, id: string): Locator => page.getByTestId(`column-${id}`);

async function createInForm(page: Page, title: string, description: string): Promise<void> {
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Description').fill(description);
  await page.getByRole('button', { name: 'Create task' }).click();
  await card(page, title).waitFor();
}

describe('the board in a browser, against the real system with the fake agent', () => {
  let system: TestSystem;
  // a TCP proxy in front of the gateway, so a test can cut the browser off and let it back
  let proxy: TcpProxy;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  const pageErrors: string[] = [];

  useSuite(async (keep) => {
    await mkdir(SCREENSHOTS, { recursive: true });
    system = await startTestSystem();
    const gateway = new URL(system.baseUrl);
    keep(() => system?.stop());
    proxy = keep(await startTcpProxy(gateway.hostname, Number(gateway.port)));
    browser = await launchBrowser();
    page = await openBoard(browser.context, `${proxy.url('http')}/`, pageErrors);
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor();
    await page.evaluate('window.__boardSession = "first load"');
    keep(() => browser?.close());
  }, 90_000);

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => (await new ApiClient(system.baseUrl).request<T>(method, route, body)).body;

  it('given an empty system, then the board shows its empty state, the pool and the five metrics', async () => {
    await page.getByTestId('empty').waitFor();
    await expect(page.getByTestId('slot').count()).resolves.toBe(3);
    const metrics = await page.getByTestId('metrics').innerText();
    for (const label of ['Active orchestrations', 'Stage completion rate', 'Average stage duration', 'Container utilization', 'Queue depth']) expect(metrics).toContain(label);
  }, 30_000);

  it('given the built board served at /, then the API, the health check, the metrics and the socket still answer beside it', async () => {
    const index = await fetch(`${system.baseUrl}/`);
    expect([index.status, index.headers.get('content-type'), index.headers.get('cache-control')]).toEqual([200, 'text/html; charset=utf-8', 'no-cache']);
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(await index.text())?.[1];
    expect((await fetch(`${system.baseUrl}/${asset}`)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${system.baseUrl}/health`)).headers.get('content-type')).toContain('application/json');
    expect(await (await fetch(`${system.baseUrl}/metrics`)).text()).toContain('# TYPE');
    expect((await fetch(`${system.baseUrl}/api/tasks`)).status).toBe(200);
    expect((await fetch(`${system.baseUrl}/api/nothing-here`)).status).toBe(404);
    expect((await fetch(`${system.baseUrl}/socket.io/?EIO=4&transport=polling`)).status).toBe(200);
  }, 30_000);

  it('given the form without a title, then the API’s validation error shows next to the field', async () => {
    await page.getByLabel('Title').fill('   ');
    await page.getByRole('button', { name: 'Create task' }).click();
    await expect(page.getByTestId('error-title').innerText()).resolves.toBe('must not be empty');
    await expect(page.getByLabel('Title').getAttribute('aria-invalid')).resolves.toBe('true');
  }, 30_000);

  it('given a task created in the form and started, then its card passes through Specification, Implementation and QA to Done without a reload, and its view shows the log and the cost', async () => {
    const title = 'Add a health endpoint';
    await createInForm(page, title, 'GET /health answers 200 [[fake:slow=250]]');
    await expect(card(page, title).getAttribute('data-status')).resolves.toBe('created');
    await page.evaluate(recordColumns(title));

    await card(page, title).getByRole('button', { name: 'Start' }).click();
    await column(page, 'implementation').getByRole('link', { name: title }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'board-running.png') });
    await column(page, 'done').getByRole('link', { name: title }).waitFor({ timeout: 60_000 });

    await expect(page.evaluate(`window.__columnsSeen[${JSON.stringify(title)}]`)).resolves.toEqual(['queued', 'specification', 'implementation', 'qa', 'done']);
    await expect(page.evaluate('window.__boardSession')).resolves.toBe('first load');
    const [task] = (await api<{ items: Array<{ totalCostUsd: number }> }>('GET', '/api/tasks')).items;
    expect(task?.totalCostUsd).toBeGreaterThan(0);
    const cost = `$${task?.totalCostUsd.toFixed(4)}`;
    await expect(card(page, title).getByTestId('card-cost').innerText()).resolves.toBe(cost);

    // the card's link; the pool panel links a task on a leased slot by the same title
    await card(page, title).getByRole('link', { name: title }).click();
    const view = page.getByTestId('task-page');
    await view.waitFor();
    await expect(view.getByTestId('stage-row').evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-stage')}:${row.getAttribute('data-status')}`))).resolves.toEqual([
      'specification:completed',
      'implementation:completed',
      'qa:completed',
    ]);
    await view.getByTestId('log-result').nth(2).waitFor();
    await expect(view.getByTestId('log-assistant').count()).resolves.toBeGreaterThanOrEqual(6);
    await expect(view.getByTestId('log-tool-call').first().innerText()).resolves.toContain('Bash');
    await expect(view.getByTestId('agent-log').innerText()).resolves.not.toContain('"type"');
    await expect(view.getByTestId('task-cost').innerText()).resolves.toBe(`cost ${cost}`);
    await expect(view.getByTestId('verdict').innerText()).resolves.toContain('pass');
    await expect(view.getByTestId('spec').innerText()).resolves.toContain('Specification');
    await expect(view.getByRole('button', { name: 'Start' }).isDisabled()).resolves.toBe(true);
    await expect(view.getByRole('button', { name: 'Cancel' }).isDisabled()).resolves.toBe(true);
    await view.getByTestId('log-tool-call').first().click();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'task-view.png'), fullPage: true });
    await page.getByRole('link', { name: '← Board' }).click();
  }, 90_000);

  it('given a running task cancelled from its view, then its card lands in Failed / Cancelled', async () => {
    const title = 'Refactor the scheduler';
    await createInForm(page, title, 'It never finishes [[fake:hang]]');
    await card(page, title).getByRole('button', { name: 'Start' }).click();
    await column(page, 'specification').getByRole('link', { name: title }).waitFor({ timeout: 30_000 });

    // the card's link; the pool panel links a task on a leased slot by the same title
    await card(page, title).getByRole('link', { name: title }).click();
    const view = page.getByTestId('task-page');
    await view.getByTestId('stage-row').filter({ hasText: 'running' }).waitFor({ timeout: 30_000 });
    await view.getByRole('button', { name: 'Cancel' }).click();
    await view.getByTestId('task-status').filter({ hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
    await expect(view.getByRole('button', { name: 'Cancel' }).isDisabled()).resolves.toBe(true);
    await expect(view.getByRole('button', { name: 'Retry' }).isEnabled()).resolves.toBe(true);

    await page.getByRole('link', { name: '← Board' }).click();
    await expect(column(page, 'ended').getByTestId('task-card').filter({ hasText: title }).getAttribute('data-status')).resolves.toBe('cancelled');
    await expect(page.evaluate('window.__boardSession')).resolves.toBe('first load');
  }, 60_000);

  it('given the connection lost in the middle of a run, then the board says it is reconnecting, and once back it shows everything it missed', async () => {
    const title = 'Write the changelog';
    const created = await api<{ id: string }>('POST', '/api/tasks', { title, description: 'From the commits [[fake:slow=200]]' });
    await card(page, title).waitFor();
    await api('POST', '/api/orchestrator/start', { taskId: created.id });
    await column(page, 'specification').getByRole('link', { name: title }).waitFor({ timeout: 30_000 });

    await proxy.cut();
    await page.getByTestId('reconnecting').waitFor({ timeout: 30_000 });
    const done = await eventually(
      async () => {
        const task = await api<{ status: string; totalCostUsd: number }>('GET', `/api/tasks/${created.id}`);
        return task.status === 'done' ? task : undefined;
      },
      60_000,
      'the task to be done while the board is cut off',
    );
    await expect(card(page, title).getAttribute('data-status')).resolves.toBe('running');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'board-reconnecting.png') });

    await proxy.restore();
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor({ timeout: 30_000 });
    await column(page, 'done').getByRole('link', { name: title }).waitFor({ timeout: 30_000 });
    await expect(card(page, title).getByTestId('card-cost').innerText()).resolves.toBe(`$${done.totalCostUsd.toFixed(4)}`);
    await expect(page.getByTestId('reconnecting').count()).resolves.toBe(0);
    await expect(page.evaluate('window.__boardSession')).resolves.toBe('first load');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'board.png'), fullPage: true });
  }, 120_000);
});

describe('the board with API_TOKEN set', () => {
  let system: TestSystem;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const pageErrors: string[] = [];

  useSuite(async (keep) => {
    system = await startTestSystem({ gateway: { apiTokens: [{ name: 'default', token: 'board-secret' }] } });
    browser = await launchBrowser();
    keep(() => system?.stop());
    keep(() => browser?.close());
  }, 90_000);

  it('given no token, then the page asks for it once, says when it is refused, and with the right one creates a task', async () => {
    const page = await openBoard(browser.context, `${system.baseUrl}/`, pageErrors);
    await page.getByLabel('Token', { exact: true }).fill('not-the-token');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByText('The gateway refused that token.').waitFor();
    await page.getByLabel('Token', { exact: true }).fill('board-secret');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor();

    await createInForm(page, 'Behind a token', 'Created with the bearer token');
    await page.reload();
    await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor();
    await expect(page.getByLabel('Token', { exact: true }).count()).resolves.toBe(0);
    await card(page, 'Behind a token').waitFor();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
