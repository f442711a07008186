import { connectTestClient, readEventLog } from '@app/testing';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway';
import { useSuite } from '../../../../test/support/suite';
import { ApiClient, type ApiAnswer } from '../../../../libs/testing/src/api-client';

interface Json {
  [key: string]: unknown;
}

const UNKNOWN_ID = '01a20c27-0000-7000-8000-000000000000';

describe('projects over REST: a repository by URL, its credential by reference', () => {
  let gateway: TestGateway;

  useSuite(async (keep) => {
    gateway = keep(await startTestGateway());
  });

  function api(method: string, path: string, body?: unknown): Promise<ApiAnswer<Json>> {
    return new ApiClient(gateway.baseUrl).request<Json>(method, path, body);
  }

  const project = {
    name: 'Shop',
    repositoryUrl: 'https://git.example.com/team/shop.git',
    defaultBranch: 'trunk',
    setupCommand: 'npm ci',
    credentialRef: 'env:SHOP_GIT_TOKEN',
    forge: { kind: 'github', apiBaseUrl: 'https://ghe.example.com/api/v3' },
  };

  it.each([
    ['no name', { ...project, name: undefined }, 'name', 'is required'],
    ['a URL git would read as an option', { ...project, repositoryUrl: '--upload-pack=evil' }, 'repositoryUrl', 'must be an https://, http://, ssh://, git@host:path or file:/// URL'],
    ['an ftp URL', { ...project, repositoryUrl: 'ftp://git.example.com/shop.git' }, 'repositoryUrl', 'must be an https://, http://, ssh://, git@host:path or file:/// URL'],
    ['a token inside the URL', { ...project, repositoryUrl: 'https://x:ghp_secret@git.example.com/shop.git' }, 'repositoryUrl', 'must not hold credentials: give them as credentialRef'],
    ['a bad default branch', { ...project, defaultBranch: 'main..dev' }, 'defaultBranch', 'must be a valid branch name: must not contain ".."'],
    ['the secret itself as credential', { ...project, credentialRef: 'ghp_0123456789abcdef' }, 'credentialRef', /^must be env:NAME .* never the secret itself$/],
    ['an unknown forge', { ...project, forge: { kind: 'gitlab' } }, 'forge', /^must be \{ kind: "github"/],
  ])('given %s, when a project is created, then 400 names the field', async (_what, body, field, problem) => {
    const answer = await api('POST', '/api/projects', body);

    expect(answer.status).toBe(400);
    expect(answer.body.fields).toEqual(expect.arrayContaining([{ field: expect.stringMatching(new RegExp(`^${field}`)), problem: typeof problem === 'string' ? problem : expect.stringMatching(problem) }]));
  });

  it.each([['https://git.example.com/a/b.git'], ['ssh://git@git.example.com:2222/a/b.git'], ['git@github.com:a/b.git'], ['file:///srv/git/b.git']])('given the URL %s, when a project is created, then it is kept', async (url) => {
    const answer = await api('POST', '/api/projects', { name: `by ${url}`, repositoryUrl: url });

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ repositoryUrl: url, defaultBranch: 'main', credentialRef: null, forge: { kind: 'none' } });
  });

  it('given a project, when it is read, listed, updated and deleted, then each answer shows it as its events left it, on its own subject', async () => {
    const created = await api('POST', '/api/projects', project);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toMatchObject({ ...project, checkCommand: null });

    expect((await api('GET', `/api/projects/${id}`)).body).toEqual(created.body);
    expect(((await api('GET', '/api/projects')).body as unknown as Json[]).map((listed) => listed.id)).toContain(id);

    const updated = await api('PUT', `/api/projects/${id}`, { ...project, checkCommand: 'npm test', forge: { kind: 'none' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id, checkCommand: 'npm test', forge: { kind: 'none' } });

    expect((await api('DELETE', `/api/projects/${id}`)).status).toBe(204);
    expect((await api('GET', `/api/projects/${id}`)).status).toBe(404);

    const client = await connectTestClient(gateway.messaging);
    const events = await readEventLog(client, client.subjects.project(id));
    await client.close();
    expect(events.map((event) => event.event.type)).toEqual(['ProjectCreated', 'ProjectUpdated', 'ProjectDeleted']);
  });

  it('given a project, when a task of it is created, then the task carries the project and its default branch, and its event the repository settings', async () => {
    const id = (await api('POST', '/api/projects', project)).body.id as string;

    const task = await api('POST', '/api/tasks', { title: 'Add a cart', projectId: id });

    expect(task.status).toBe(201);
    expect(task.body).toMatchObject({ projectId: id, repoPath: null, baseBranch: 'trunk', pullRequestUrl: null });
    const client = await connectTestClient(gateway.messaging);
    const [created] = await readEventLog(client, client.subjects.task(task.body.id as string));
    await client.close();
    expect(created?.event.data).toMatchObject({
      remote: { projectId: id, url: project.repositoryUrl, credentialRef: 'env:SHOP_GIT_TOKEN', forge: { kind: 'github', apiBaseUrl: 'https://ghe.example.com/api/v3' } },
    });
  });

  it('given the OpenAPI document, then it describes every project route with its request and answer', async () => {
    const document = (await api('GET', '/api/docs/openapi.json')).body as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, unknown> } };

    expect(Object.keys(document.paths['/api/projects'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(document.paths['/api/projects/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'put']);
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['CreateProjectRequest', 'UpdateProjectRequest', 'Project']));
  });

  it('given no such project, when a task names it, then 404 names projectId; with repoPath too, 400 names repoPath', async () => {
    expect(await api('POST', '/api/tasks', { title: 'x', projectId: UNKNOWN_ID })).toMatchObject({ status: 404, body: { fields: [{ field: 'projectId', problem: 'no project with this id' }] } });
    expect(await api('POST', '/api/tasks', { title: 'x', projectId: UNKNOWN_ID, repoPath: '/srv/repo' })).toMatchObject({
      status: 400,
      body: { fields: [{ field: 'repoPath', problem: 'must be left out for a task of a project (projectId)' }] },
    });
  });
});
