import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BUS_ACCESS, NATS_APPS, natsPermissions, renderAuthorization } from './nats-accounts';

const scope = { subjectRoot: 'orch', streamPrefix: 'P_' };

describe('the permission table and the authorization block rendered from it', () => {
  it('given the runner, when its permissions are rendered, then it may write its task events, heartbeats and logs but not the scheduler nor any command', () => {
    const { publish } = natsPermissions('runner', 'runner', scope);

    expect(publish.allow).toEqual(expect.arrayContaining(['orch.evt.task.*', 'orch.hb.*', 'orch.log.>', '$JS.ACK.P_ORCH_COMMANDS.runner-commands.>']));
    expect(publish.allow.filter((subject) => subject.startsWith('orch.cmd.') || subject === 'orch.evt.scheduler')).toEqual([]);
    expect(publish.allow.filter((subject) => /STREAM\.(DELETE|PURGE|UPDATE)|MSG\.DELETE/.test(subject))).toEqual([]);
  });

  it("given an app that reads a stream with ordered consumers, when its permissions are rendered, then another app's durables on it are denied", () => {
    const { publish } = natsPermissions('gateway', 'gateway', scope);

    expect(publish.allow).toContain('$JS.API.CONSUMER.CREATE.P_ORCH_EVENTS.*');
    expect(publish.deny).toEqual(expect.arrayContaining(['$JS.API.CONSUMER.MSG.NEXT.P_ORCH_EVENTS.orchestrator-tasks', '$JS.API.CONSUMER.CREATE.P_ORCH_EVENTS.runner-releases.>']));
    expect(publish.deny.some((subject) => subject.includes('P_ORCH_COMMANDS'))).toBe(false);
  });

  it('given each app, when its permissions are rendered, then it subscribes only to its own inbox (and the runner to task events)', () => {
    const subscriptions = Object.fromEntries(NATS_APPS.map((app) => [app, natsPermissions(app, `${app}-user`, scope).subscribe.allow]));

    expect(subscriptions).toEqual({
      gateway: ['_INBOX_gateway-user.>'],
      orchestrator: ['_INBOX_orchestrator-user.>'],
      'pool-manager': ['_INBOX_pool-manager-user.>'],
      runner: ['_INBOX_runner-user.>', 'orch.evt.task.*'],
    });
  });

  it('given any deployment, when permissions are rendered, then the root and the stream names are wildcards', () => {
    const { publish } = natsPermissions('orchestrator', 'orchestrator', 'any-deployment');

    expect(publish.allow).toEqual(expect.arrayContaining(['*.evt.scheduler', '$JS.API.STREAM.UPDATE.*', '$JS.ACK.*.orchestrator-tasks.>']));
  });

  it('given users with and without permissions, when the block is rendered, then each is a quoted entry, the superuser without permissions', () => {
    const block = renderAuthorization([
      { user: 'runner', password: 'p"w', permissions: natsPermissions('runner', 'runner', scope) },
      { user: 'admin', password: 'secret', permissions: null },
    ]);

    expect(block).toMatch(/^authorization \{\n  users = \[\n/);
    expect(block).toContain('user: "runner", password: "p\\"w"');
    expect(block).toContain('{ user: "admin", password: "secret" }');
    expect(block).toContain('publish: { allow: ["$JS.API.INFO", ');
  });

  it('given a user name with a dot, when the block is rendered, then it is refused naming it', () => {
    expect(() => renderAuthorization([{ user: 'pool.manager', password: 'x', permissions: null }])).toThrow('NATS user name "pool.manager" may hold only letters, digits, _ and -');
  });

  it('given the table, when read, then only the orchestrator brings stream settings up to date', () => {
    expect(NATS_APPS.filter((app) => BUS_ACCESS[app].updatesStreams)).toEqual(['orchestrator']);
  });

  it.each(NATS_APPS)("given the %s's app module, when the durable consumers it declares (and retires) are read, then the table names exactly those", (app) => {
    const source = readFileSync(path.join(__dirname, `../../../apps/${app}/src/${app}.app.ts`), 'utf8');
    const declared = [...source.matchAll(/durable: '([^']+)', stream: '(events|commands|heartbeats)'/g)].map((match) => ({ stream: match[2], name: match[1] }));

    expect(BUS_ACCESS[app].durables).toEqual(expect.arrayContaining(declared));
    expect(declared).toEqual(expect.arrayContaining([...BUS_ACCESS[app].durables]));
  });
});
