#!/usr/bin/env node
// `npm start`: the whole system with one command. Checks DATA_DIR, the ports and that no
// other `npm start` runs on DATA_DIR, builds into dist/ if the sources are newer, finds or
// starts NATS (NATS_URL, else nats-server with JetStream) and Postgres (DATABASE_URL,
// else an embedded Postgres), runs the migrations, starts the four apps
// with their logs prefixed, waits for the gateway's /health and prints the board's URL.
// Ctrl-C stops everything it started: the apps, then Postgres and NATS.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfNeeded } from './start/build.mjs';
import { resolveClaude, describePoolDriver } from './start/environment.mjs';
import { ensureNats } from './start/nats.mjs';
import { natsEnvFor } from './start/nats-accounts.mjs';
import { say, warn } from './start/output.mjs';
import { ensurePostgres } from './start/postgres.mjs';
import { checkDataDir, checkPorts, claimDataDir } from './start/preflight.mjs';
import { Supervisor } from './start/supervisor.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = { ...process.env };
const dataDir = path.resolve(root, env.DATA_DIR || '.data');
env.PORT ||= '3000';
env.WORKSPACES_DIR ||= path.join(dataDir, 'workspaces');
env.POOL_DRIVER ||= 'auto';
// The apps' logs are JSON lines; in a terminal, ask them for one readable line each.
if (process.stdout.isTTY && !env.LOG_FORMAT) Object.assign(env, { LOG_FORMAT: 'pretty', FORCE_COLOR: env.FORCE_COLOR ?? '1' });

const supervisor = new Supervisor(root);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void supervisor.stop(0));

try {
  checkDataDir(dataDir);
  claimDataDir(dataDir, env.PORT);
  await checkPorts(env);
  buildIfNeeded(root);
  // the apps and their start order, from the contracts (built into dist/ just now)
  const { APP_NAMES: APPS } = createRequire(import.meta.url)(path.join(root, 'dist/libs/contracts/src/apps.js'));
  const nats = await ensureNats({ env, dataDir, supervisor, root });
  env.NATS_URL = nats.url;
  env.DATABASE_URL = await ensurePostgres({ env, dataDir, supervisor });
  const migrated = spawnSync(process.execPath, [path.join(root, 'scripts/migrate.mjs')], { stdio: 'inherit', env });
  if (migrated.status !== 0) throw Object.assign(new Error('the migrations failed (see above)'), { name: 'StartError' });
  const cliPath = resolveClaude(env, root);
  if (cliPath) env.CLAUDE_CLI_PATH = cliPath;
  await describePoolDriver(env);
  for (const app of APPS) {
    supervisor.start(app, process.execPath, ['--enable-source-maps', path.join(root, `dist/apps/${app}/src/main.js`)], { env: { ...env, ...natsEnvFor(app, nats.accounts) } });
  }
  await announceWhenHealthy(env);
} catch (error) {
  if (error.name !== 'StartError') warn(`npm start failed: ${error.stack ?? error}`);
  await supervisor.stop(1);
}

async function announceWhenHealthy(appEnv) {
  const host = !appEnv.HOST || appEnv.HOST === '0.0.0.0' || appEnv.HOST === '::' ? '127.0.0.1' : appEnv.HOST;
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${appEnv.PORT}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline && !supervisor.stopping) {
    const status = await fetch(`${base}/health`).then((response) => response.status, () => 0);
    if (status === 200) {
      say(`ready — board: ${base}/   API: ${base}/api   health: ${base}/health   (Ctrl-C stops everything)`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (!supervisor.stopping) warn(`the gateway's ${base}/health did not answer 200 within 90 s; the board should be at ${base}/ once it does`);
}
