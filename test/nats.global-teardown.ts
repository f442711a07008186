import type { PrivateNatsServer } from '../libs/testing/src/private-servers';

const KEY = '__orchTestNats';
type WithServer = typeof globalThis & { [KEY]?: Promise<PrivateNatsServer> };

/**
 * Stops the run's nats-server. An app refused by its allow-lists during the run (the server
 * logs each "Permissions Violation") fails the run: its table in libs/contracts lacks a
 * subject or an API call the app needs.
 */
export default async function stopTestNats(): Promise<void> {
  const holder = globalThis as WithServer;
  const server = await holder[KEY];
  delete holder[KEY];
  if (!server) return;
  const violations = server.output().split('\n').filter((line) => /(Publish|Subscription) Violation/.test(line));
  await server.destroy();
  if (violations.length > 0) throw new Error(`the test NATS server refused an app ${violations.length} time(s):\n${violations.slice(0, 20).join('\n')}`);
}
