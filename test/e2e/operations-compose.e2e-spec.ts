import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/** A password per NATS user, as an operator puts them in `.env`. */
const NATS_PASSWORDS = { NATS_GATEWAY_PASSWORD: 'gw-pw', NATS_ORCHESTRATOR_PASSWORD: 'orch-pw', NATS_POOL_MANAGER_PASSWORD: 'pool-pw', NATS_RUNNER_PASSWORD: 'runner-pw', NATS_ADMIN_PASSWORD: 'admin-pw' };

function run(args: string[], env: Record<string, string>) {
  return spawnSync('docker-compose', ['-f', path.join(ROOT, 'docker-compose.yml'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CLAUDE_API_KEY: '', ...env } });
}

/** Debian's docker-compose (installed by .ci/services.sh), run on the repository's compose file. */
function compose(...args: string[]): string {
  const result = run(args, NATS_PASSWORDS);
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

  it('then NATS reads deploy/nats.conf and each app connects as its own user with its own password only', () => {
    // docker-compose 1.29 prints YAML only: a service's block runs from `  <name>:` to the next service
    const block = (service: string) => new RegExp(`\\n  ${service}:\\n([\\s\\S]*?)(?=\\n  \\S[^\\n]*:\\n|\\nvolumes:)`).exec(resolved)?.[1] ?? '';
    const env = (service: string) => Object.fromEntries([...block(service).matchAll(/^      (NATS_[A-Z_]+): (.*)$/gm)].map((match) => [match[1], match[2]]));

    expect(block('nats')).toMatch(/- --config\n\s+- \/etc\/nats\/nats\.conf/);
    expect(resolved).toContain('deploy/nats.conf:/etc/nats/nats.conf:ro');
    for (const [app, password] of [['gateway', 'gw-pw'], ['orchestrator', 'orch-pw'], ['pool-manager', 'pool-pw'], ['runner', 'runner-pw']] as const) {
      expect({ user: env(app).NATS_USER, password: env(app).NATS_PASSWORD }).toEqual({ user: app, password });
      expect(Object.keys(env(app)).filter((name) => /^NATS_.*_PASSWORD$/.test(name))).toEqual([]);
    }
  });

  it('given no NATS passwords, when compose reads the file, then it refuses naming the first one missing', () => {
    const result = run(['config', '-q'], { NATS_GATEWAY_PASSWORD: '' });

    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('set NATS_GATEWAY_PASSWORD (README, NATS accounts)');
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
