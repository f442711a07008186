// NATS for `npm start`: NATS_URL if a server with JetStream answers there, else a
// nats-server binary (PATH or /usr/sbin) started with JetStream, its store in
// <DATA_DIR>/nats and an authorization block with a user per app, else a message saying
// how to get one. Returns the URL and each app's credentials (null: an open server).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { accountsFileOf, authorizationBlock, ensureAccounts, readAccounts } from './nats-accounts.mjs';
import { fail, say } from './output.mjs';
import { answers, binarySearchDirs, endpointOf, findBinary, freePortsFrom, isLocalHost, natsInfo } from './probes.mjs';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

const HOW_TO_GET_ONE = [
  'Get a NATS server with JetStream, then run npm start again:',
  '  Debian/Ubuntu:  sudo apt-get install nats-server        (npm start finds /usr/sbin/nats-server and starts it)',
  '  macOS:          brew install nats-server',
  '  Docker:         docker run -d --name nats -p 4222:4222 nats:2.10-alpine -js',
  '  Go:             go install github.com/nats-io/nats-server/v2@latest   (into $(go env GOPATH)/bin: put that on PATH)',
  'or set NATS_URL to a server with JetStream enabled.',
].join('\n');

export async function ensureNats({ env, dataDir, supervisor, root }) {
  const url = env.NATS_URL || DEFAULT_NATS_URL;
  const endpoint = endpointOf(url, 4222);
  const accountsFile = accountsFileOf(env, dataDir);
  const info = await natsInfo(endpoint);
  if (info) {
    if (!info.jetstream) fail(`the NATS server at ${url} answers but has JetStream off: restart it with -js (or --jetstream).`);
    if (!info.auth_required && !env.NATS_ACCOUNTS_FILE) {
      say(`NATS ${info.version ?? ''} with JetStream at ${url}, without authorization: the apps connect with no credentials (README, "NATS accounts", says how to give each its own)`);
      return { url, accounts: null };
    }
    if (!existsSync(accountsFile)) {
      fail(`the NATS server at ${url} requires credentials: set NATS_ACCOUNTS_FILE to a file with each app's user and password (npm run nats:accounts writes one and prints the server's authorization block; README, "NATS accounts").`);
    }
    say(`NATS ${info.version ?? ''} with JetStream at ${url}; each app connects as its own user from ${accountsFile}`);
    return { url, accounts: readOrFail(accountsFile, root) };
  }
  if (await answers(endpoint)) {
    const free = await freePortsFrom(endpoint.port + 1);
    fail(
      [
        `something that is not a NATS server answers at ${url} (NATS_URL).`,
        `  Stop it (\`ss -ltnp 'sport = :${endpoint.port}'\` names it), point NATS_URL at your NATS server, or at a free port:`,
        `    NATS_URL=nats://127.0.0.1:${free} npm start      (nothing answers there, so npm start runs nats-server on it)`,
      ].join('\n'),
    );
  }
  if (!isLocalHost(endpoint.host)) fail(`no NATS answers at NATS_URL (${url}).\n${HOW_TO_GET_ONE}`);
  const binary = findBinary('nats-server');
  if (!binary) fail(`no NATS answers at ${url}, and there is no nats-server binary to start in any of ${binarySearchDirs().join(', ')} (PATH, then the sbin directories).\n${HOW_TO_GET_ONE}`);
  const store = path.join(dataDir, 'nats');
  mkdirSync(store, { recursive: true });
  const { accounts, created } = ensureOrFail(accountsFile, root);
  // rewritten at every start: the allow-lists follow the code and the subject root
  const config = path.join(dataDir, 'nats.conf');
  writeFileSync(config, authorizationBlock(accounts, env, root), { mode: 0o600 });
  say(`nothing answers at ${url}: starting ${binary} with JetStream on 127.0.0.1:${endpoint.port}, store in ${store}, a user per app (${created ? 'new passwords in' : 'passwords from'} ${accountsFile})`);
  const server = supervisor.start('nats', binary, ['-c', config, '-a', '127.0.0.1', '-p', String(endpoint.port), '-js', '-sd', store], { role: 'service', env: process.env });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (!server.running()) fail('nats-server exited while starting (see its lines above)');
    if ((await natsInfo(endpoint))?.jetstream) return { url, accounts };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  fail(`nats-server did not answer on port ${endpoint.port} within 20 s`);
}

function readOrFail(file, root) {
  try {
    return readAccounts(file, root);
  } catch (error) {
    fail(error.message);
  }
}

function ensureOrFail(file, root) {
  try {
    return ensureAccounts(file, root);
  } catch (error) {
    fail(error.message);
  }
}

