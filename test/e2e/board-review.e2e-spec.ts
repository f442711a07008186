import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { eventually, startGitHttpServer, webhookReceiver, type GitHttpServer, type WebhookReceiver } from '@app/testing';
import { NO_WEBHOOKS } from '../../apps/gateway/src/webhooks/webhooks.config';
import { launchTestBrowser, SCREENSHOTS, type TestBrowser } from '../../test/support/chromium';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { ApiClient, type ApiAnswer } from '../../libs/testing/src/api-client';

const TOKEN = 'orch-e2e-review-token-58c2a1f0d3e7';

interface Json {
  [key: string]: unknown;
}

/** The change in the browser: a task's spec as sanitised Markdown, its diff drawn by diff2html, a comment on a line of it. */
describe('the task page in Chromium: the specification as Markdown, the diff, line comments', () => {
  let system: TestSystem;
  let server: GitHttpServer;
  let receiver: WebhookReceiver;
  let context: BrowserContext;
  let browser: TestBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    process.env.ORCH_E2E_REVIEW_TOKEN = TOKEN;
    server = await startGitHttpServer({ token: TOKEN });
    receiver = await webhookReceiver();
    system = await startTestSystem({ gateway: { webhooks: { ...NO_WEBHOOKS, urls: [new URL(receiver.url)] } } });
    browser = await launchTestBrowser();
    context = browser.context;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    await server?.close();
    await receiver?.close();
    delete process.env.ORCH_E2E_REVIEW_TOKEN;
  }, 60_000);

  const api = (method: string, route: string, body?: unknown): Promise<ApiAnswer<Json>> => new ApiClient(system.baseUrl).request<Json>(method, route, body);

  it('given a task whose title smuggles <script> and onerror into its specification, when its page is opened after it is done, then the spec renders as Markdown with neither running, and a clicked line of the diff takes a comment', async () => {
    const repositoryUrl = await server.createRepository('acme/review', { files: { 'README.md': '# review\n' } });
    const project = await api('POST', '/api/projects', { name: 'Review', repositoryUrl, defaultBranch: 'main', credentialRef: 'env:ORCH_E2E_REVIEW_TOKEN' });
    expect(project.status).toBe(201);
    const title = `Health <img src="x" onerror="window.__xss='img'"> <script>window.__xss='script'</script> **bold**`;
    const created = await api('POST', '/api/tasks', { title, description: 'Add it [[fake:write-file=src/health.ts]]', projectId: project.body.id });
    expect(created.status).toBe(201);
    const taskId = created.body.id as string;
    expect((await api('POST', '/api/orchestrator/start', { taskId })).status).toBe(202);
    await eventually(async () => ((await api('GET', `/api/tasks/${taskId}`)).body.status === 'done' ? true : undefined), 60_000, 'the task to be done');
    const recorded = await api('GET', `/api/tasks/${taskId}/diff?stage=implementation`);
    expect(recorded.body).toMatchObject({ stage: 'implementation', truncated: false, diff: expect.stringContaining('+++ b/src/health.ts') });

    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${system.baseUrl}/#/tasks/${taskId}`);
    const spec = page.getByTestId('spec-markdown');
    await spec.locator('h1').first().waitFor();

    // Markdown: the heading and the bold text are elements; the smuggled HTML lost its script and handler
    expect(await spec.locator('h1').first().textContent()).toContain('Specification');
    expect(await spec.locator('strong').count()).toBeGreaterThan(0);
    expect(await spec.locator('script').count()).toBe(0);
    expect(await spec.locator('[onerror]').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();

    // the diff: diff2html's file with highlighted code, unified then split
    const diff = page.getByTestId('diff-view');
    await diff.locator('.d2h-file-wrapper').first().waitFor();
    expect(await diff.locator('.d2h-file-name').first().textContent()).toContain('src/health.ts');
    expect(await diff.locator('.d2h-code-line-ctn.hljs, .d2h-code-line-ctn .hljs-string, .d2h-code-line-ctn [class^="hljs"]').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'review-1-spec-and-diff.png'), fullPage: true });
    await page.getByRole('button', { name: 'Split', exact: true }).click();
    await diff.locator('.d2h-file-side-diff').first().waitFor();
    expect(await diff.locator('.d2h-file-side-diff').count()).toBe(2);
    await page.getByRole('button', { name: 'Unified', exact: true }).click();
    await diff.locator('.d2h-file-diff').first().waitFor();

    // a comment on line 2 of the new file
    await diff.locator('td.d2h-code-linenumber .line-num2', { hasText: /^\s*2\s*$/ }).first().click();
    const draft = page.getByTestId('comment-draft');
    await draft.getByText('Comment on src/health.ts:2').waitFor();
    await draft.locator('textarea').fill('Name the **endpoint** in the log line');
    await draft.getByRole('button', { name: 'Add comment' }).click();
    await page.getByTestId('review-comments').getByText('src/health.ts:2').waitFor();
    expect(await page.getByTestId('review-comments').textContent()).toContain('Name the **endpoint** in the log line');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'review-2-line-comment.png'), fullPage: true });
    // the board's snapshot, arriving after the task page read the task, kept its stages
    expect(await spec.locator('h1').count()).toBeGreaterThan(0);
    // the webhook told about the task's end, and the page shows it delivered
    await page.getByTestId('webhook-deliveries').getByText('delivered').waitFor();
    expect(await page.getByTestId('webhook-deliveries').textContent()).toContain(`done → ${new URL(receiver.url).origin}: delivered`);

    expect(pageErrors).toEqual([]);
  }, 120_000);
});
