import { randomBytes } from 'node:crypto';
// by path, not @app/contracts: jest's global setup loads this file without the module mapper
import { BUS_ACCESS, NATS_APPS, natsPermissions, renderAuthorization, type NatsApp, type PermissionScope } from '../../contracts/src/nats-accounts';
import type { MessagingOptions, NatsCredentials } from '@app/messaging';

/**
 * The users of the test NATS servers: one per app, with its allow-lists for every suite's
 * subject root and stream prefix (`any-deployment`), and `test`, the harness's own user,
 * which may do anything (create and drop a suite's streams, inspect them, forge messages).
 */
export type TestNatsUser = NatsApp | 'test';

export const TEST_NATS_ACCOUNTS_VARIABLE = 'TEST_NATS_ACCOUNTS';

/**
 * The test users' passwords: generated once per test run (by the jest global setup, or by
 * whichever helper asks first) and kept in `TEST_NATS_ACCOUNTS`, so every worker, every
 * private server and every app process of the run shares them.
 */
export function testNatsAccounts(): Record<TestNatsUser, NatsCredentials> {
  if (!process.env[TEST_NATS_ACCOUNTS_VARIABLE]) {
    const users: TestNatsUser[] = [...NATS_APPS, 'test'];
    const generated = Object.fromEntries(users.map((user) => [user, { user, password: randomBytes(12).toString('hex') }]));
    process.env[TEST_NATS_ACCOUNTS_VARIABLE] = JSON.stringify(generated);
  }
  return JSON.parse(process.env[TEST_NATS_ACCOUNTS_VARIABLE] ?? '{}') as Record<TestNatsUser, NatsCredentials>;
}

/** The credentials of `user` on the test servers, or null when no test accounts exist (an open server: `npm run bench`). */
export function testCredentials(user: TestNatsUser): NatsCredentials | null {
  return process.env[TEST_NATS_ACCOUNTS_VARIABLE] ? testNatsAccounts()[user] : null;
}

/** The `authorization` block of a test server: the four apps' users in `scope` (every suite by default), and `test`. */
export function testAuthorization(scope: PermissionScope = 'any-deployment'): string {
  const accounts = testNatsAccounts();
  return renderAuthorization([
    ...NATS_APPS.map((app) => ({ ...accounts[app], permissions: natsPermissions(app, accounts[app].user, scope) })),
    { ...accounts.test, permissions: null },
  ]);
}

/** A suite's messaging options as `app` sees them: its own user, its producer name. */
export function asApp(messaging: MessagingOptions, app: NatsApp, producer = `${app}@test`): MessagingOptions {
  return { ...messaging, producer, credentials: testCredentials(app), updatesStreams: BUS_ACCESS[app].updatesStreams };
}
