import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startGitHttpServer, type GitHttpServer } from './git-server';

const run = promisify(execFile);
const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@example.invalid', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@example.invalid' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env });
const withCredentials = (url: string, user: string, token: string) => url.replace('http://', `http://${user}:${token}@`);

describe('the test git server (git http-backend behind basic auth)', () => {
  let server: GitHttpServer;
  let work: string;

  beforeAll(async () => {
    server = await startGitHttpServer({ token: 'ghs_right-token' });
    work = await mkdtemp(path.join(tmpdir(), 'orch-git-client-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(work, { recursive: true, force: true });
  });

  it('given the right token, when a branch is cloned, changed and pushed, then the server holds its commit', async () => {
    const url = await server.createRepository('demo', { files: { 'README.md': 'hello\n' } });
    const clone = path.join(work, 'demo');
    await git(work, 'clone', '-q', withCredentials(url, server.user, server.token), clone);
    expect(await readFile(path.join(clone, 'README.md'), 'utf8')).toBe('hello\n');
    await git(clone, 'checkout', '-q', '-b', 'orch/task-1');
    await writeFile(path.join(clone, 'added.txt'), 'from the test\n');
    await git(clone, 'add', 'added.txt');
    await git(clone, 'commit', '-q', '-m', 'Add a file');
    await git(clone, 'push', '-q', 'origin', 'orch/task-1');
    const { stdout: local } = await git(clone, 'rev-parse', 'HEAD');
    expect(await server.branchHead('demo', 'orch/task-1')).toBe(local.trim());
    expect(await server.readBranch('demo', 'orch/task-1')).toEqual({ 'README.md': 'hello\n', 'added.txt': 'from the test\n' });
    expect(server.log.some((entry) => entry.path.includes('git-receive-pack') && entry.status === 200)).toBe(true);
  });

  it('given a wrong token, when a push is tried, then git reports the authentication failure and the server keeps nothing', async () => {
    const url = await server.createRepository('guarded');
    const clone = path.join(work, 'guarded');
    await git(work, 'clone', '-q', withCredentials(url, server.user, server.token), clone);
    await git(clone, 'remote', 'set-url', 'origin', withCredentials(url, server.user, 'wrong-token'));
    await git(clone, 'checkout', '-q', '-b', 'orch/task-2');
    await git(clone, 'commit', '-q', '--allow-empty', '-m', 'Nothing');
    await expect(git(clone, 'push', '-q', 'origin', 'orch/task-2')).rejects.toMatchObject({ stderr: expect.stringMatching(/Authentication failed/) });
    expect(await server.branchHead('guarded', 'orch/task-2')).toBeNull();
    expect(server.log.some((entry) => entry.status === 401)).toBe(true);
  });
});
