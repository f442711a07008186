// Every test that talks to NATS talks to one nats-server with authorization, started here
// once per jest run on a free port: each app's own user with its allow-lists (rendered for
// any subject root and stream prefix, so suites keep their own), and `test`, the harness's
// user. NATS_URL and TEST_NATS_ACCOUNTS reach every worker, and every process it spawns.
import { startPrivateNats, type PrivateNatsServer } from '../libs/testing/src/private-servers';

const KEY = '__orchTestNats';
type WithServer = typeof globalThis & { [KEY]?: Promise<PrivateNatsServer> };

export default async function startTestNats(): Promise<void> {
  const holder = globalThis as WithServer;
  // one server for the whole run, though each project that talks to NATS names this setup
  holder[KEY] ??= startPrivateNats();
  process.env.NATS_URL = (await holder[KEY]).url;
}
