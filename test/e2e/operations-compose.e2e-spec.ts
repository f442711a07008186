import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** Debian's docker-compose (installed by .ci/services.sh), run on the repository's compose file. */
function compose(...args: string[]): string {
  const result = spawnSync('docker-compose', ['-f', path.join(ROOT, 'docker-compose.yml'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CLAUDE_API_KEY: '' } });
  if (result.error) throw new Error(`docker-compose could not run (${result.error.message}); .ci/services.sh installs it (apt-get install docker-compose)`);
  if (result.status !== 0) throw new Error(`docker-compose ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

describe('docker-compose.yml and the Dockerfile', () => {
  let resolved: string;

  it('given docker-compose, when it validates the file, then it is valid', () => {
    expect(() => compose('config', '-q')).not.toThrow();
    resolved = compose('config');
  });

  it('then it has NATS, Postgres, the migration step and the four apps, with volumes for the data', () => {
    expect(compose('config', '--services').trim().split('\n').sort()).toEqual(['gateway', 'migrate', 'nats', 'orchestrator', 'pool-manager', 'postgres', 'runner']);
    expect(compose('config', '--volumes').trim().split('\n').sort()).toEqual(['nats-data', 'pg-data', 'workspaces']);
    expect(resolved).toMatch(/--jetstream/);
    expect(resolved).toMatch(/condition: service_completed_successfully/);
    expect(resolved).toMatch(/\/var\/run\/docker\.sock:\/var\/run\/docker\.sock/);
  });

  it('then every service it builds is a target of a multi-stage Dockerfile that runs as a non-root user', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const targets = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((match) => match[1]);
    const built = [...resolved.matchAll(/dockerfile: Dockerfile\n +target: (\S+)\n/g)].map((match) => match[1]);
    expect(built.sort()).toEqual(['gateway', 'migrate', 'orchestrator', 'pool-manager', 'runner']);
    for (const target of built) expect(targets).toContain(target);
    expect(targets).toEqual(expect.arrayContaining(['build', 'runtime']));
    const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((match) => match[1]);
    expect(users).toEqual(['node']);
  });
});
