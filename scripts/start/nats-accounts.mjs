// The NATS users of a deployment, for `npm start` and `npm run nats:accounts`: one per app
// (its allow-lists come from libs/contracts/src/nats-accounts.ts, compiled into dist/) and
// `admin`, the operator's (the stock `nats` CLI). Their passwords are generated once and
// kept in <DATA_DIR>/nats-accounts.json (mode 0600), or in the file NATS_ACCOUNTS_FILE names.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const ADMIN_USER = 'admin';

/** The accounts file npm start keeps, or the one NATS_ACCOUNTS_FILE names. */
export function accountsFileOf(env, dataDir) {
  return env.NATS_ACCOUNTS_FILE ? path.resolve(env.NATS_ACCOUNTS_FILE) : path.join(dataDir, 'nats-accounts.json');
}

function contracts(root) {
  return createRequire(import.meta.url)(path.join(root, 'dist/libs/contracts/src/nats-accounts.js'));
}

/**
 * Reads the accounts file: `{ "<app>": { "user": …, "password": … }, …, "admin": {…} }`.
 * Throws naming the file and the app whose entry is missing or malformed.
 */
export function readAccounts(file, root) {
  const { NATS_APPS } = contracts(root);
  let parsed;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`NATS_ACCOUNTS_FILE ${file}: ${error.message}`);
  }
  for (const app of NATS_APPS) {
    const entry = parsed?.[app];
    if (typeof entry?.user !== 'string' || typeof entry?.password !== 'string' || entry.password === '') {
      throw new Error(`NATS_ACCOUNTS_FILE ${file}: "${app}" must be { "user": "…", "password": "…" }`);
    }
  }
  return parsed;
}

/** The accounts in `file`, generated (each app's user named after it) and written with mode 0600 if it does not exist. */
export function ensureAccounts(file, root) {
  if (existsSync(file)) return { accounts: readAccounts(file, root), created: false };
  const { NATS_APPS } = contracts(root);
  const accounts = Object.fromEntries([...NATS_APPS, ADMIN_USER].map((user) => [user, { user, password: randomBytes(18).toString('base64url') }]));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(accounts, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { accounts, created: true };
}

/** The nats-server `authorization { … }` block for `accounts`, for the subject root and stream prefix in `env`. */
export function authorizationBlock(accounts, env, root) {
  const { NATS_APPS, natsPermissions, renderAuthorization } = contracts(root);
  const scope = { subjectRoot: env.NATS_SUBJECT_ROOT || 'orch', streamPrefix: env.NATS_STREAM_PREFIX || '' };
  const users = NATS_APPS.map((app) => ({ ...accounts[app], permissions: natsPermissions(app, accounts[app].user, scope) }));
  if (accounts[ADMIN_USER]) users.push({ ...accounts[ADMIN_USER], permissions: null });
  return renderAuthorization(users);
}

/** The variables that make `app` connect as its own user. */
export function natsEnvFor(app, accounts) {
  if (!accounts) return {};
  return { NATS_USER: accounts[app].user, NATS_PASSWORD: accounts[app].password };
}
