import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFile, rm, stat, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NatsClient, type MessagingOptions } from '@app/messaging';
import { createTestDatabase, eventually, FAKE_CLAUDE_PATH, freePortBlock, type TestDatabase } from '@app/testing';
import { buildAppsOnce } from '../../libs/testing/src/build-once';
import { freePort } from '../../libs/testing/src/private-servers';
import { useSuite } from '../support/suite';

const ROOT = path.resolve(__dirname, '../..');

type Accounts = Record<'gateway' | 'orchestrator' | 'pool-manager' | 'runner' | 'admin', { user: string; password: string }>;

/**
 * `npm start` where no NATS answers: it starts its own nats-server with a user per app,
 * the passwords generated once under DATA_DIR, and hands each app its own.
 */
describe('npm start with its own nats-server', () => {
  let dataDir: string;
  let database: TestDatabase;
  let start: ChildProcess;
  let output = '';
  let exited: Promise<number | null>;
  let base: string;
  let natsUrl: string;

  useSuite(async (keep) => {
    await buildAppsOnce();
    dataDir = await mkdtemp(path.join(tmpdir(), 'orch-start-nats-'));
    database = await createTestDatabase('start_nats');
    natsUrl = `nats://127.0.0.1:${await freePort()}`;
    const slots = await freePortBlock(2);
    const { TEST_NATS_ACCOUNTS: _accounts, NATS_URL: _url, ...inherited } = process.env;
    start = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
      cwd: ROOT,
      env: {
        ...inherited,
        DATA_DIR: dataDir,
        NATS_URL: natsUrl,
        DATABASE_URL: database.url,
        PORT: String(await freePort()),
        CLAUDE_CLI_PATH: FAKE_CLAUDE_PATH,
        CLAUDE_API_KEY: 'sk-ant-e2e-start-nats-0123456789',
        POOL_DRIVER: 'local',
        CONTAINER_POOL_SIZE: '2',
        CONTAINER_PORT_START: String(slots),
        CONTAINER_PORT_END: String(slots + 1),
        LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    start.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    exited = new Promise((resolve) => start.once('exit', (code) => resolve(code)));
    base = await eventually(async () => /\[start\] ready — board: (http:\/\/\S+)\//.exec(output)?.[1], 120_000, 'npm start to be ready').catch((error: Error) => {
      throw new Error(`${error.message}\n${output}`);
    });
    keep(() => rm(dataDir, { recursive: true, force: true }));
    keep(() => database?.drop());
    keep(() => exited);
    keep(async () => {
      if (start.exitCode === null) start.kill('SIGINT');
    });
  }, 240_000);

  const accounts = async () => JSON.parse(await readFile(path.join(dataDir, 'nats-accounts.json'), 'utf8')) as Accounts;
  const as = (credentials: MessagingOptions['credentials']): MessagingOptions => ({
    natsUrl,
    subjectRoot: 'orch',
    streamPrefix: '',
    producer: 'e2e',
    logsMaxAgeS: 3600,
    logsMaxBytes: 1024 ** 3,
    eventsMaxMessages: 10_000_000,
    heartbeatsMaxAgeS: 3600,
    heartbeatsMaxBytes: 256 * 1024 ** 2,
    snapshotsMaxBytes: 256 * 1024 ** 2,
    deadLettersMaxBytes: 1024 ** 3,
    aggregateCacheMaxBytes: 128 * 1024 ** 2,
    replicas: 1,
    credentials,
    updatesStreams: false,
  });

  it('then the passwords and the server config are kept under DATA_DIR, readable by their owner only', async () => {
    expect(output).toContain(`a user per app (new passwords in ${path.join(dataDir, 'nats-accounts.json')})`);
    expect((await stat(path.join(dataDir, 'nats-accounts.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dataDir, 'nats.conf'))).mode & 0o777).toBe(0o600);
    expect(Object.keys(await accounts()).sort()).toEqual(['admin', 'gateway', 'orchestrator', 'pool-manager', 'runner']);
  });

  it('then a task runs through the four apps (each connected with its own user: the server lets no one in without) and no password reaches their output', async () => {
    const post = async (route: string, body: unknown) =>
      (await (await fetch(`${base}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as Record<string, unknown>;
    const taskId = (await post('/api/tasks', { title: 'Accounts', description: 'through npm start' })).id as string;
    await post('/api/orchestrator/start', { taskId });
    await eventually(async () => (((await (await fetch(`${base}/api/tasks/${taskId}`)).json()) as { status: string }).status === 'done' ? true : undefined), 60_000, 'the task to be done');

    for (const { password } of Object.values(await accounts())) expect(output).not.toContain(password);
  }, 90_000);

  it("when a client connects with the runner's password, then it may append to a task but not to the scheduler; without one it is refused", async () => {
    const runner = await NatsClient.connect(as((await accounts()).runner), 'e2e-runner');
    try {
      await expect(runner.js.publish(runner.subjects.scheduler, '{}')).rejects.toThrow('Permissions Violation for Publish to "orch.evt.scheduler"');
      await expect(runner.jsm.streams.delete(runner.subjects.eventsStream)).rejects.toThrow('Permissions Violation');
    } finally {
      await runner.close();
    }
    await expect(NatsClient.connect(as(null), 'e2e-anonymous')).rejects.toThrow('requires credentials and none were given');
  });

  it('when npm run nats:accounts runs on the same DATA_DIR, then it keeps the passwords and prints the block with them', async () => {
    const { runner } = await accounts();
    const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts/nats-accounts.mjs')], { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir }, encoding: 'utf8' });

    expect(run.status).toBe(0);
    expect(run.stderr).toContain(`read ${path.join(dataDir, 'nats-accounts.json')}`);
    expect(run.stdout).toMatch(/^# nats-server authorization for subject root "orch"/);
    expect(run.stdout).toContain(`user: "runner", password: "${runner.password}"`);
  });

  it('when it gets Ctrl-C, then it stops the apps and its nats-server and exits 0', async () => {
    start.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(NatsClient.connect(as(null), 'e2e-after')).rejects.toThrow();
  }, 60_000);
});
