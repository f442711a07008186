import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../..');

/** The image the pool-manager's Docker tests run: busybox serving HTTP on $PORT, with a health check. */
export const TEST_CONTAINER_IMAGE = process.env.TEST_CONTAINER_IMAGE ?? 'orch-pool-test:latest';

/** Builds the test image unless it is there already (`scripts/build-test-image.sh`). */
export function ensureTestImage(): void {
  const result = spawnSync('bash', [path.join(ROOT, 'scripts/build-test-image.sh'), TEST_CONTAINER_IMAGE], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building ${TEST_CONTAINER_IMAGE} failed:\n${result.stdout}\n${result.stderr}`);
}

/** Runs the docker CLI (independent of the code under test) and returns its stdout. */
export async function dockerCli(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** What `docker inspect` says of a container, the parts tests check. */
export interface InspectedContainer {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; ExitCode: number; Health?: { Status: string } };
  Config: { Labels: Record<string, string> | null; Env: string[] | null; Image: string };
  HostConfig: {
    NetworkMode: string;
    SecurityOpt: string[] | null;
    CapDrop: string[] | null;
    CapAdd: string[] | null;
    PidsLimit: number | null;
    Memory: number;
    NanoCpus: number;
    Init: boolean | null;
  };
}

/** `docker ps -a` of the containers carrying `label=value`, then `docker inspect` of each. */
export async function containersLabelled(label: string, value: string): Promise<InspectedContainer[]> {
  const ids = (await dockerCli('ps', '-a', '-q', '--no-trunc', '--filter', `label=${label}=${value}`)).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  return JSON.parse(await dockerCli('inspect', ...ids)) as InspectedContainer[];
}

/** Removes every container carrying `label=value` (a suite's own, in afterAll). */
export async function removeContainersLabelled(label: string, value: string): Promise<void> {
  const ids = (await dockerCli('ps', '-a', '-q', '--filter', `label=${label}=${value}`)).split('\n').filter(Boolean);
  if (ids.length > 0) await dockerCli('rm', '-f', '-v', ...ids).catch(() => '');
}

/** Whether a Docker engine answers. */
export async function dockerAnswers(): Promise<boolean> {
  return dockerCli('info', '--format', '{{.ServerVersion}}').then(
    () => true,
    () => false,
  );
}

/** The first of `count` consecutive free TCP ports, from a random place in 20000..59999. */
export async function freePortBlock(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const start = 20_000 + Math.floor(Math.random() * 40_000);
    let free = true;
    for (let port = start; port < start + count && free; port += 1) free = await portIsFree(port);
    if (free) return start;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}
