import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`; a repository is at `<baseUrl>/<name>.git` */
  baseUrl: string;
  /** where the bare repositories live */
  root: string;
  /** the basic-auth user and password (the password is the token) it accepts */
  user: string;
  token: string;
  /** requests answered, by outcome: `git-receive-pack` pushes among them */
  readonly log: ReadonlyArray<{ method: string; path: string; status: number }>;
  /** A bare repository `<name>.git` whose `defaultBranch` holds `files` in one commit. */
  createRepository(name: string, options?: { defaultBranch?: string; files?: Record<string, string> }): Promise<string>;
  /** `git ls-remote`-style: the branch's commit on the server, or null when it has none */
  branchHead(name: string, branch: string): Promise<string | null>;
  /** the files of a branch's tip, path → content (text files) */
  readBranch(name: string, branch: string): Promise<Record<string, string>>;
  close(): Promise<void>;
}

const gitEnv = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.invalid', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.invalid' };
const git = async (cwd: string, ...args: string[]) => (await run('git', args, { cwd, env: { ...process.env, ...gitEnv }, maxBuffer: 64 * 1024 * 1024 })).stdout;

/**
 * A real git server for tests: `git http-backend` (smart HTTP, pushes enabled) behind a
 * small HTTP front that asks for basic auth, the way a forge does. Nothing of git is faked:
 * clone, fetch and push run the real protocol against real bare repositories.
 */
export async function startGitHttpServer(options: { user?: string; token: string }): Promise<GitHttpServer> {
  const root = await mkdtemp(path.join(tmpdir(), 'orch-git-server-'));
  const user = options.user ?? 'x-access-token';
  const log: Array<{ method: string; path: string; status: number }> = [];
  const server: Server = createServer((request, response) => {
    const status = handle(request, response, { root, user, token: options.token });
    void status.then((code) => log.push({ method: request.method ?? 'GET', path: request.url ?? '/', status: code }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const bare = (name: string) => path.join(root, `${name}.git`);
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    root,
    user,
    token: options.token,
    log,
    async createRepository(name, repoOptions = {}) {
      const branch = repoOptions.defaultBranch ?? 'main';
      const work = await mkdtemp(path.join(tmpdir(), 'orch-git-seed-'));
      try {
        await git(work, 'init', '-q', '-b', branch);
        const files = repoOptions.files ?? { 'README.md': `# ${name}\n` };
        for (const [file, content] of Object.entries(files)) {
          await mkdir(path.dirname(path.join(work, file)), { recursive: true });
          await writeFile(path.join(work, file), content);
        }
        await git(work, 'add', '-A');
        await git(work, 'commit', '-q', '-m', 'Initial commit');
        await git(root, 'clone', '-q', '--bare', work, bare(name));
        await git(bare(name), 'config', 'http.receivepack', 'true');
        return `${baseUrl}/${name}.git`;
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
    async branchHead(name, branch) {
      const out = await git(bare(name), 'for-each-ref', '--format=%(objectname)', `refs/heads/${branch}`);
      return out.trim() === '' ? null : out.trim();
    },
    async readBranch(name, branch) {
      const listing = await git(bare(name), 'ls-tree', '-r', '--name-only', '--end-of-options', `refs/heads/${branch}`);
      const files: Record<string, string> = {};
      for (const file of listing.split('\n').filter((line) => line !== '')) files[file] = await git(bare(name), 'show', `refs/heads/${branch}:${file}`);
      return files;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Asks for credentials like a forge, then hands the request to `git http-backend` as CGI. */
async function handle(request: IncomingMessage, response: ServerResponse, server: { root: string; user: string; token: string }): Promise<number> {
  const header = request.headers.authorization ?? '';
  const [scheme, encoded] = header.split(' ');
  const [user, password] = scheme === 'Basic' && encoded ? Buffer.from(encoded, 'base64').toString('utf8').split(':') : [];
  if (user !== server.user || password !== server.token) {
    response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"', 'Content-Type': 'text/plain' });
    response.end('Authentication failed\n');
    return 401;
  }
  const url = new URL(request.url ?? '/', 'http://git.invalid');
  const backend = spawn('git', ['http-backend'], {
    env: {
      ...process.env,
      ...gitEnv,
      GIT_PROJECT_ROOT: server.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: request.method ?? 'GET',
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      CONTENT_LENGTH: request.headers['content-length'] ?? '',
      HTTP_CONTENT_ENCODING: request.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
      REMOTE_USER: user,
      REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  request.pipe(backend.stdin);
  return new Promise<number>((resolve) => {
    let head = Buffer.alloc(0);
    let status = 200;
    let headersDone = false;
    backend.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        response.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      response.writeHead(status, headers);
      response.write(head.subarray(end + 4));
    });
    backend.once('close', () => {
      if (!headersDone) {
        status = 500;
        response.writeHead(500).end('git http-backend answered nothing\n');
      } else response.end();
      resolve(status);
    });
  });
}
