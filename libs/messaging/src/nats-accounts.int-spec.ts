import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AckPolicy } from '@nats-io/jetstream';
import { composeAuthorization, composePasswordVariable, NATS_APPS, type NatsApp } from '@app/contracts';
import { asApp, connectTestClient, dropTestStreams, eventually, factory, testAuthorization, testMessagingOptions } from '@app/testing';
import { startPrivateNats, type PrivateNatsServer } from '../../testing/src/private-servers';
import { repoRoot } from '../../testing/src/repo-root';
import type { MessagingOptions } from './messaging.options';
import { NatsClient } from './nats-client';

/**
 * The bus's accounts against a real nats-server whose authorization block is rendered for
 * exactly this suite's subject root and stream prefix, as a deployment's would be.
 */
describe('NATS accounts: one user per app, each with allow-lists for its own subjects', () => {
  let server: PrivateNatsServer;
  let options: MessagingOptions;
  let admin: NatsClient;
  const clients: NatsClient[] = [];

  beforeAll(async () => {
    const suite = testMessagingOptions('accounts');
    server = await startPrivateNats({ authorization: testAuthorization({ subjectRoot: suite.subjectRoot, streamPrefix: suite.streamPrefix }) });
    options = { ...suite, natsUrl: server.url };
    admin = await connectTestClient(options);
  }, 30_000);

  afterAll(async () => {
    for (const client of clients) await client.close();
    await dropTestStreams(admin);
    await server.destroy();
  }, 30_000);

  const connectAs = async (app: NatsApp) => {
    const client = await NatsClient.connect(asApp(options, app), app);
    clients.push(client);
    return client;
  };
  const outcome = (attempt: Promise<unknown>) => attempt.then(() => 'allowed', (error: Error) => error.message);
  const refused = (subject: string) => `Permissions Violation for Publish to "${subject}"`;

  it('given the runner user, when it appends to a task, heartbeats and ships logs, then the server stores them', async () => {
    const runner = await connectAs('runner');
    const { subjects } = runner;

    expect(await outcome(runner.js.publish(subjects.task('t1'), '{}'))).toBe('allowed');
    expect(await outcome(runner.js.publish(subjects.heartbeat('t1'), '{}'))).toBe('allowed');
    expect(await outcome(runner.js.publish(subjects.log('t1', 's1'), '{}'))).toBe('allowed');
    expect((await admin.jsm.streams.info(subjects.eventsStream)).state.messages).toBe(1);
    expect((await admin.jsm.streams.info(subjects.heartbeatsStream)).state.messages).toBe(1);
  });

  it('given the runner user, when it writes the scheduler, sends StartOrchestration or RunStage, or deletes or rewrites a stream, then the server refuses each', async () => {
    const runner = await connectAs('runner');
    const { subjects } = runner;
    const start = factory.startOrchestration();

    expect(await outcome(runner.js.publish(subjects.scheduler, '{}'))).toBe(refused(subjects.scheduler));
    expect(await outcome(runner.js.publish(subjects.command('StartOrchestration'), JSON.stringify(start), { msgID: randomUUID() }))).toBe(
      refused(subjects.command('StartOrchestration')),
    );
    expect(await outcome(runner.js.publish(subjects.command('RunStage'), '{}'))).toBe(refused(subjects.command('RunStage')));
    expect(await outcome(runner.js.publish(subjects.pool('default'), '{}'))).toBe(refused(subjects.pool('default')));
    expect(await outcome(runner.jsm.streams.delete(subjects.eventsStream))).toBe(refused(`$JS.API.STREAM.DELETE.${subjects.eventsStream}`));
    expect(await outcome(runner.jsm.streams.purge(subjects.eventsStream))).toBe(refused(`$JS.API.STREAM.PURGE.${subjects.eventsStream}`));
    expect(await outcome(runner.jsm.streams.update(subjects.logsStream, { max_age: 1_000_000_000 }))).toBe(refused(`$JS.API.STREAM.UPDATE.${subjects.logsStream}`));
    expect(await outcome(runner.js.publish(`other.evt.task.t1`, '{}'))).toBe(refused('other.evt.task.t1'));
    expect((await admin.jsm.streams.info(subjects.eventsStream)).state.messages).toBeGreaterThan(0);
  });

  it("given the runner user, when it reaches for the orchestrator's durable consumers, then the server refuses it", async () => {
    const orchestrator = await connectAs('orchestrator');
    const runner = await connectAs('runner');
    const { subjects } = runner;
    await orchestrator.jsm.consumers.add(subjects.commandsStream, { durable_name: 'orchestrator-commands', filter_subject: subjects.commandsFor('orchestrator'), ack_policy: AckPolicy.Explicit });
    await orchestrator.jsm.consumers.add(subjects.eventsStream, { durable_name: 'orchestrator-tasks', filter_subject: subjects.allTasks, ack_policy: AckPolicy.Explicit });

    expect(await outcome(runner.jsm.consumers.info(subjects.commandsStream, 'orchestrator-commands'))).toBe(
      refused(`$JS.API.CONSUMER.INFO.${subjects.commandsStream}.orchestrator-commands`),
    );
    expect(await outcome(runner.jsm.consumers.delete(subjects.eventsStream, 'orchestrator-tasks'))).toBe(
      refused(`$JS.API.CONSUMER.DELETE.${subjects.eventsStream}.orchestrator-tasks`),
    );
    expect(await outcome(runner.jsm.consumers.info(subjects.eventsStream, 'orchestrator-tasks'))).toBe(
      refused(`$JS.API.CONSUMER.INFO.${subjects.eventsStream}.orchestrator-tasks`),
    );
  });

  it('given the gateway and the pool-manager users, when each writes its own subjects and then another app’s, then only its own are accepted', async () => {
    const gateway = await connectAs('gateway');
    const pool = await connectAs('pool-manager');
    const { subjects } = gateway;

    expect(await outcome(gateway.js.publish(subjects.task('t2'), '{}'))).toBe('allowed');
    expect(await outcome(gateway.js.publish(subjects.command('StartOrchestration'), '{}', { msgID: randomUUID() }))).toBe('allowed');
    expect(await outcome(gateway.js.publish(subjects.command('RunStage'), '{}'))).toBe(refused(subjects.command('RunStage')));
    expect(await outcome(gateway.js.publish(subjects.scheduler, '{}'))).toBe(refused(subjects.scheduler));
    expect(await outcome(pool.js.publish(subjects.pool('default'), '{}'))).toBe('allowed');
    expect(await outcome(pool.js.publish(subjects.poolStatus('default'), '{}'))).toBe('allowed');
    expect(await outcome(pool.js.publish(subjects.task('t2'), '{}'))).toBe(refused(subjects.task('t2')));
    expect(await outcome(pool.js.publish(subjects.command('AcquireLease'), '{}'))).toBe(refused(subjects.command('AcquireLease')));
  });

  it("given the runner user, when it subscribes to another app's replies or the commands, then the server refuses the subscription", async () => {
    const runner = await connectAs('runner');
    const refusals: string[] = [];
    void (async () => {
      for await (const status of runner.connection.status()) if (status.type === 'error') refusals.push(String(status.error));
    })();
    runner.connection.subscribe('_INBOX_orchestrator.>');
    runner.connection.subscribe(runner.subjects.allCommands);

    const seen = await eventually(async () => (refusals.length >= 2 ? refusals.join('\n') : undefined), 10_000, 'two refused subscriptions');
    expect(seen).toContain('Permissions Violation for Subscription to "_INBOX_orchestrator.>"');
    expect(seen).toContain(`Permissions Violation for Subscription to "${runner.subjects.allCommands}"`);
  });

  it('given a wrong password, when an app connects, then it stops at once with an error naming the user and the variables', async () => {
    const wrong = { ...asApp(options, 'runner'), credentials: { user: 'runner', password: 'not-the-password' } };

    await expect(NatsClient.connect(wrong, 'runner')).rejects.toMatchObject({
      name: 'ConfigError',
      message: "NATS refused the credentials of user 'runner' (NATS_USER/NATS_PASSWORD): Authorization Violation",
    });
  });

  it('given no credentials, when an app connects to a server with authorization, then it stops at once saying which variables to set', async () => {
    await expect(NatsClient.connect({ ...asApp(options, 'gateway'), credentials: null }, 'gateway')).rejects.toMatchObject({
      name: 'ConfigError',
      message: `NATS at ${server.url} requires credentials and none were given: set NATS_USER and NATS_PASSWORD (Authorization Violation)`,
    });
  });
});

describe("the compose deployment's NATS users (deploy/nats.conf)", () => {
  const file = path.join(repoRoot(), 'deploy/nats.conf');

  it('given the permission table, when deploy/nats.conf is compared with its rendering, then it is current', async () => {
    const text = await readFile(file, 'utf8');

    expect(text.slice(text.indexOf('authorization {'))).toBe(composeAuthorization());
  });

  it("given the passwords in the server's environment, when an app connects with its own, then it is in with its allow-lists; with another's, it is refused", async () => {
    const passwords = Object.fromEntries([...NATS_APPS, 'admin' as const].map((user) => [composePasswordVariable(user), `${user}-compose-secret`]));
    const server = await startPrivateNats({ authorization: await readFile(file, 'utf8'), env: passwords });
    const options = { ...testMessagingOptions('compose'), natsUrl: server.url, subjectRoot: 'orch', streamPrefix: '' };
    try {
      const admin = await NatsClient.connect({ ...options, credentials: { user: 'admin', password: 'admin-compose-secret' } }, 'admin');
      await admin.close();
      const runner = await NatsClient.connect({ ...options, updatesStreams: false, credentials: { user: 'runner', password: 'runner-compose-secret' } }, 'runner');
      await expect(runner.js.publish('orch.evt.scheduler', '{}')).rejects.toThrow('Permissions Violation for Publish to "orch.evt.scheduler"');
      await runner.close();
      await expect(NatsClient.connect({ ...options, credentials: { user: 'runner', password: 'gateway-compose-secret' } }, 'runner')).rejects.toThrow("NATS refused the credentials of user 'runner'");
    } finally {
      await server.destroy();
    }
  });
});
