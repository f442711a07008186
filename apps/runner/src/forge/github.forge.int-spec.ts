import { startFakeGitHubApi, type FakeGitHubApi } from '@app/testing';
import { ForgeCredentialRefused, ForgeRequestRefused, ForgeUnavailable } from './forge';
import { GitHubForge } from './github.forge';

const repository = { owner: 'acme', name: 'widgets' };
const draft = { repository, head: 'orch/task-1', base: 'main', title: 'Add a health endpoint', body: '## Specification\n\nGET /health answers 200.\n\n**QA verdict:** pass' };

describe('GitHubForge against a fake of GitHub that validates every request and response against GitHub\'s OpenAPI description', () => {
  let github: FakeGitHubApi;
  beforeAll(async () => {
    github = await startFakeGitHubApi({ tokens: ['ghp_right'], repositories: ['acme/widgets'] });
  });
  afterAll(() => github.stop());
  afterEach(() => {
    // every request the adapter made and every answer the fake gave matched the description
    expect(github.violations).toEqual([]);
  });

  const forge = (token = 'ghp_right') => new GitHubForge({ baseUrl: github.url, token, credentialRef: 'env:GITHUB_TOKEN' });

  it('given no pull request from the branch, when one is opened, then it is created with the title and body, and its URL is returned', async () => {
    const opened = await forge().openOrUpdatePullRequest(draft);
    expect(opened).toEqual({ number: 1, url: `${github.url}/acme/widgets/pull/1`, state: 'open', created: true });
    expect(github.pulls[0]).toMatchObject({ head: 'orch/task-1', base: 'main', title: draft.title, body: draft.body });
    expect(github.requests.map((request) => request.operationId)).toEqual(['pulls/list', 'pulls/create']);
  });

  it('given an open pull request from the branch, when it is opened again, then that one is updated, not a second one made', async () => {
    const again = await forge().openOrUpdatePullRequest({ ...draft, body: 'second round' });
    expect(again).toMatchObject({ number: 1, created: false });
    expect(github.pulls).toHaveLength(1);
    expect(github.pulls[0]!.body).toBe('second round');
  });

  it('given a merged pull request, when its state is read, then it is merged', async () => {
    github.merge(1);
    await expect(forge().pullRequest(repository, 1)).resolves.toEqual({ number: 1, url: `${github.url}/acme/widgets/pull/1`, state: 'merged' });
  });

  it('given a wrong token, when a pull request is opened, then the credential is refused by its reference, never showing the token', async () => {
    const refused = await forge('ghp_wrong-secret').openOrUpdatePullRequest(draft).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ForgeCredentialRefused);
    expect((refused as Error).message).toBe('the forge refused the credential env:GITHUB_TOKEN (HTTP 401)');
    expect((refused as ForgeCredentialRefused).retryable).toBe(false);
  });

  it('given a repository the forge does not have, when a pull request is opened, then the request is refused, not retryable', async () => {
    const refused = await forge().openOrUpdatePullRequest({ ...draft, repository: { owner: 'acme', name: 'gone' } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ForgeRequestRefused);
    expect((refused as ForgeRequestRefused).retryable).toBe(false);
  });

  it('given a forge that does not answer, when a pull request is opened, then it is unavailable and retryable', async () => {
    const away = new GitHubForge({ baseUrl: 'http://127.0.0.1:1', token: 'ghp_right', credentialRef: 'env:GITHUB_TOKEN' });
    const refused = await away.openOrUpdatePullRequest(draft).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ForgeUnavailable);
    expect((refused as ForgeUnavailable).retryable).toBe(true);
  });
});

describe('the fake GitHub API itself', () => {
  let github: FakeGitHubApi;
  beforeAll(async () => {
    github = await startFakeGitHubApi({ tokens: ['ghp_right'], repositories: ['acme/widgets'] });
  });
  afterAll(() => github.stop());

  it('given a create request the description does not allow, then it answers 422 and records the violation', async () => {
    const response = await fetch(`${github.url}/repos/acme/widgets/pulls`, {
      method: 'POST',
      headers: { authorization: 'token ghp_right', 'content-type': 'application/json' },
      body: JSON.stringify({ title: 42, base: 'main' }),
    });
    expect(response.status).toBe(422);
    expect(github.violations).toHaveLength(1);
    expect(github.violations[0]).toMatch(/pulls\/create: body: .*head/);
    expect(github.violations[0]).toMatch(/\/title must be string/);
  });

  it('given a query parameter of the wrong type, then it answers 422 naming it', async () => {
    const response = await fetch(`${github.url}/repos/acme/widgets/pulls?state=sideways`, { headers: { authorization: 'token ghp_right' } });
    expect(response.status).toBe(422);
    expect(github.violations.at(-1)).toMatch(/query parameter state/);
  });
});
