#!/usr/bin/env node
// `npm run nats:accounts`: for a NATS server npm start does not start. Writes each app's
// user and a generated password to NATS_ACCOUNTS_FILE (default <DATA_DIR>/nats-accounts.json,
// mode 0600) unless it exists, then prints the server's `authorization { … }` block for
// NATS_SUBJECT_ROOT and NATS_STREAM_PREFIX (paste it into the server's config file and
// reload it), and the NATS_USER/NATS_PASSWORD each app is to be given. Builds dist/ first.
// `-- --compose` prints deploy/nats.conf instead: the compose deployment's block, whose
// passwords the nats container reads from its environment (NATS_<APP>_PASSWORD).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfNeeded } from './start/build.mjs';
import { accountsFileOf, ADMIN_USER, authorizationBlock, ensureAccounts } from './start/nats-accounts.mjs';

export const COMPOSE_HEADER = [
  '# The compose deployment\'s NATS users: one per app with its allow-lists, for subject root "orch"',
  '# and no stream prefix, and `admin` (the operator\'s). Generated from libs/contracts/src/nats-accounts.ts',
  '# by `npm run --silent nats:accounts -- --compose > deploy/nats.conf`; a test checks that it is current.',
  '# The passwords come from the nats container\'s environment (docker-compose.yml).',
  '',
].join('\n');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const dataDir = path.resolve(root, env.DATA_DIR || '.data');
const file = accountsFileOf(env, dataDir);

buildIfNeeded(root, { quiet: true });
if (process.argv.includes('--compose')) {
  const { composeAuthorization } = createRequire(import.meta.url)(path.join(root, 'dist/libs/contracts/src/nats-accounts.js'));
  process.stdout.write(`${COMPOSE_HEADER}${composeAuthorization()}`);
  process.exit(0);
}
const { accounts, created } = ensureAccounts(file, root);
const log = (line) => process.stderr.write(`${line}\n`);
log(`${created ? 'wrote' : 'read'} ${file} (mode 0600); the server's block follows on stdout`);
process.stdout.write(`# nats-server authorization for subject root "${env.NATS_SUBJECT_ROOT || 'orch'}", stream prefix "${env.NATS_STREAM_PREFIX || ''}"\n`);
process.stdout.write(authorizationBlock(accounts, env, root));
log('');
log('Each app connects as its own user: npm start hands them out itself with NATS_ACCOUNTS_FILE set; elsewhere give');
for (const [name, entry] of Object.entries(accounts)) {
  if (name !== ADMIN_USER) log(`  ${name.padEnd(12)} NATS_USER=${entry.user} NATS_PASSWORD=<"${name}".password in ${file}>`);
}
log(`The operator's user for the nats CLI: nats --user ${ADMIN_USER} --password "$(node -p 'require(process.argv[1]).${ADMIN_USER}.password' ${file})" …`);
