import { connectTestClient, dropTestStreams, messagingEnv, spawnApp, testMessagingOptions, type AppName, type AppProcess } from '@app/testing';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { useSuite } from '../../support/suite';

/**
 * A built app started with a wrong or missing NATS credential, against the run's nats-server
 * (which has a user per app): it stops at boot naming the problem, exit code 1, no retry loop.
 */
describe('an app with wrong NATS credentials stops at boot', () => {
  const messaging = testMessagingOptions('accounts-boot');
  const processes: AppProcess[] = [];

  useSuite(async (keep) => {
    await buildAppsOnce();
    await dropTestStreams(await connectTestClient(messaging));
    keep(async () => dropTestStreams(await connectTestClient(messaging)));
    keep(async () => {
      for (const process of processes) await process.kill('SIGKILL');
    });
  }, 180_000);

  const boot = async (app: AppName, env: Record<string, string>) => {
    const process = spawnApp(app, { ...messagingEnv(messaging, app), ...env });
    processes.push(process);
    return { code: await process.exited, output: process.output() };
  };

  it("given the runner with another password, when it boots, then it exits 1 saying NATS refused user 'runner' and naming the variables, without printing the password", async () => {
    const { code, output } = await boot('runner', { NATS_PASSWORD: 'a-wrong-password-0123' });

    expect(code).toBe(1);
    expect(output).toContain("NATS refused the credentials of user 'runner' (NATS_USER/NATS_PASSWORD): Authorization Violation");
    expect(output).not.toContain('a-wrong-password-0123');
  }, 60_000);

  it('given the pool-manager with no NATS_USER nor NATS_PASSWORD, when it boots, then it exits 1 saying which variables to set', async () => {
    const { code, output } = await boot('pool-manager', { NATS_USER: '', NATS_PASSWORD: '', POOL_DRIVER: 'local' });

    expect(code).toBe(1);
    expect(output).toContain('requires credentials and none were given: set NATS_USER and NATS_PASSWORD');
  }, 60_000);
});
