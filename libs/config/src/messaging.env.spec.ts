import { loadGatewayConfig } from '../../../apps/gateway/src/gateway.config';
import { loadOrchestratorConfig } from '../../../apps/orchestrator/src/orchestrator.config';
import { loadPoolManagerConfig } from '../../../apps/pool-manager/src/pool-manager.config';
import { loadRunnerConfig } from '../../../apps/runner/src/runner.config';

const DATABASE_URL = 'postgres://postgres:db-secret-password@127.0.0.1:5432/postgres';
const loaders = { orchestrator: loadOrchestratorConfig, 'pool-manager': loadPoolManagerConfig, runner: loadRunnerConfig } as const;

describe('the NATS credentials and the database URL in the apps’ configuration', () => {
  it('given NATS_USER and NATS_PASSWORD, when each app loads its configuration, then it connects as that user', () => {
    const env = { NATS_USER: 'runner', NATS_PASSWORD: 'runner-password' };

    expect(loadRunnerConfig(env).messaging.credentials).toEqual({ user: 'runner', password: 'runner-password' });
    expect(loadGatewayConfig(env).messaging.credentials).toEqual({ user: 'runner', password: 'runner-password' });
  });

  it('given neither, when an app loads its configuration, then it connects without credentials (an open server)', () => {
    expect(loadOrchestratorConfig({}).messaging.credentials).toBeNull();
  });

  it.each([
    [{ NATS_USER: 'runner' }, 'NATS_PASSWORD: must be set together with NATS_USER'],
    [{ NATS_PASSWORD: 'runner-password' }, 'NATS_USER: must be set together with NATS_PASSWORD'],
  ])('given only one of the pair (%j), when the runner boots, then it stops naming the missing variable', (env, problem) => {
    expect(() => loadRunnerConfig(env)).toThrow(problem);
  });

  it('given a user name that is not one subject token, when an app boots, then it stops naming NATS_USER', () => {
    const load = () => loadPoolManagerConfig({ NATS_USER: 'pool.manager', NATS_PASSWORD: 'pool-password' });
    expect(load).toThrow(/NATS_USER: may hold only letters, digits, _ and -/);
  });

  it.each(Object.entries(loaders))('given DATABASE_URL in its environment, when the %s loads its configuration, then the URL is nowhere in it (only the gateway has one)', (_app, load) => {
    expect(JSON.stringify(load({ DATABASE_URL }))).not.toContain('db-secret-password');
  });

  it('given DATABASE_URL, when the gateway loads its configuration, then it has it', () => {
    expect(loadGatewayConfig({ DATABASE_URL }).databaseUrl).toBe(DATABASE_URL);
  });

  it('given the orchestrator, when it loads its configuration, then it alone brings the streams up to date', () => {
    expect([loadGatewayConfig({}), loadOrchestratorConfig({}), loadPoolManagerConfig({}), loadRunnerConfig({})].map((config) => config.messaging.updatesStreams)).toEqual([false, true, false, false]);
  });
});
