// NATS for `npm start`: NATS_URL if a server with JetStream answers there, else a
// nats-server binary (PATH or /usr/sbin) started with JetStream and its store in
// <DATA_DIR>/nats, else a message saying how to get one.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
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

export async function ensureNats({ env, dataDir, supervisor }) {
  const url = env.NATS_URL || DEFAULT_NATS_URL;
  const endpoint = endpointOf(url, 4222);
  const info = await natsInfo(endpoint);
  if (info) {
    if (!info.jetstream) fail(`the NATS server at ${url} answers but has JetStream off: restart it with -js (or --jetstream).`);
    say(`NATS ${info.version ?? ''} with JetStream at ${url}`);
    return url;
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
  say(`nothing answers at ${url}: starting ${binary} with JetStream on 127.0.0.1:${endpoint.port}, store in ${store}`);
  const server = supervisor.start('nats', binary, ['-a', '127.0.0.1', '-p', String(endpoint.port), '-js', '-sd', store], { role: 'service', env: process.env });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (!server.running()) fail('nats-server exited while starting (see its lines above)');
    if ((await natsInfo(endpoint))?.jetstream) return url;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  fail(`nats-server did not answer on port ${endpoint.port} within 20 s`);
}
