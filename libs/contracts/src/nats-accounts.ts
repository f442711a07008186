import { Subjects } from './subjects';

/**
 * Who may do what on the message bus: one NATS user per app, each allowed exactly the
 * subjects it writes and the JetStream API calls it makes. The durable consumer names and
 * the subjects below are a public API like the rest of `subjects.ts`: a deployed server's
 * authorization block is rendered from them, so a change here is a change to that block.
 */

/** The four apps, each with its own NATS user. */
export const NATS_APPS = ['gateway', 'orchestrator', 'pool-manager', 'runner'] as const;
export type NatsApp = (typeof NATS_APPS)[number];

export type StreamKey = 'events' | 'commands' | 'heartbeats' | 'logs' | 'deadLetters' | 'snapshots';

export interface DurableConsumerName {
  stream: StreamKey;
  name: string;
}

export interface AppBusAccess {
  /** subjects the app appends or sends to, below the subject root */
  publishes: readonly string[];
  /** its durable consumers (those an earlier version used too, which it deletes at start) */
  durables: readonly DurableConsumerName[];
  /** streams it reads with direct gets and ordered consumers */
  reads: readonly StreamKey[];
  /** core NATS subscriptions, below the subject root */
  subscribes: readonly string[];
  /** whether it brings existing streams' settings up to date; the others only create a missing stream */
  updatesStreams: boolean;
}

/**
 * The permission table. Reads are granted per stream: a direct get names its subject in
 * the request body, where permissions cannot see it. Writes are granted per subject.
 */
export const BUS_ACCESS: Record<NatsApp, AppBusAccess> = {
  gateway: {
    publishes: ['evt.task.*', 'evt.project.*', 'cmd.orchestrator.*'],
    // the webhooks' consumer of task events (only made when WEBHOOK_URLS is set)
    durables: [{ stream: 'events', name: 'gateway-webhooks' }],
    reads: ['events', 'logs', 'deadLetters'],
    subscribes: [],
    updatesStreams: false,
  },
  orchestrator: {
    publishes: ['evt.task.*', 'evt.scheduler', 'cmd.pool.*', 'cmd.runner.*', 'snap.scheduler'],
    durables: [
      { stream: 'commands', name: 'orchestrator-commands' },
      { stream: 'events', name: 'orchestrator-tasks' },
      { stream: 'events', name: 'orchestrator-scheduler' },
      { stream: 'events', name: 'orchestrator-leases' },
      { stream: 'heartbeats', name: 'orchestrator-heartbeats' },
      { stream: 'events', name: 'orchestrator-heartbeats' },
      { stream: 'events', name: 'orchestrator-events' },
    ],
    // a task's last heartbeat, before its stage is timed out for a lost one
    reads: ['events', 'snapshots', 'heartbeats'],
    subscribes: [],
    updatesStreams: true,
  },
  'pool-manager': {
    publishes: ['evt.pool.*', 'evt.pool.*.status'],
    durables: [{ stream: 'commands', name: 'pool-manager-commands' }],
    // the renewals still queued at start are read in place (direct gets), left for its consumer;
    // a due lease's task's last heartbeat, before the lease is expired
    reads: ['events', 'commands', 'heartbeats'],
    subscribes: [],
    updatesStreams: false,
  },
  runner: {
    publishes: ['evt.task.*', 'hb.*', 'log.>'],
    durables: [
      { stream: 'commands', name: 'runner-commands' },
      { stream: 'events', name: 'runner-releases' },
      { stream: 'events', name: 'runner-task-ends' },
    ],
    reads: ['events'],
    subscribes: ['evt.task.*'],
    updatesStreams: false,
  },
};

const STREAM_KEYS: readonly StreamKey[] = ['events', 'commands', 'heartbeats', 'logs', 'deadLetters', 'snapshots'];

/**
 * Where the rendered permissions apply: one deployment (its subject root and stream
 * prefix, exactly), or every deployment on the server (`*` for the root and each stream
 * name: how the test server serves many suites, each with its own root and prefix).
 */
export type PermissionScope = { subjectRoot: string; streamPrefix: string } | 'any-deployment';

/** The inbox prefix of a user: its replies arrive there, and only it may subscribe to them. */
export function inboxPrefixOf(user: string): string {
  return `_INBOX_${user}`;
}

export interface NatsPermissions {
  publish: { allow: string[]; deny: string[] };
  subscribe: { allow: string[] };
}

/** The allow-lists of `app`'s user `user`, in `scope`. */
export function natsPermissions(app: NatsApp, user: string, scope: PermissionScope): NatsPermissions {
  const access = BUS_ACCESS[app];
  const root = scope === 'any-deployment' ? '*' : scope.subjectRoot;
  const subjects = new Subjects(root, scope === 'any-deployment' ? '' : scope.streamPrefix);
  const stream = (key: StreamKey) => (scope === 'any-deployment' ? '*' : streamName(subjects, key));
  const api = '$JS.API';
  const allow = new Set<string>([`${api}.INFO`]);
  for (const key of STREAM_KEYS) {
    allow.add(`${api}.STREAM.INFO.${stream(key)}`);
    allow.add(`${api}.STREAM.CREATE.${stream(key)}`);
    if (access.updatesStreams) allow.add(`${api}.STREAM.UPDATE.${stream(key)}`);
  }
  for (const subject of access.publishes) allow.add(`${root}.${subject}`);
  for (const durable of access.durables) {
    const on = stream(durable.stream);
    allow.add(`${root}.dlq.${durable.name}`);
    for (const call of ['CREATE', 'INFO', 'DELETE', 'MSG.NEXT']) allow.add(`${api}.CONSUMER.${call}.${on}.${durable.name}`);
    allow.add(`${api}.CONSUMER.CREATE.${on}.${durable.name}.>`);
    allow.add(`$JS.ACK.${on}.${durable.name}.>`);
  }
  for (const key of access.reads) {
    const on = stream(key);
    allow.add(`${api}.DIRECT.GET.${on}`);
    allow.add(`${api}.DIRECT.GET.${on}.>`);
    allow.add(`${api}.STREAM.MSG.GET.${on}`);
    // ordered consumers: named by the client (`oc_<nuid>_<n>`), unacknowledged, removed when idle
    for (const call of ['CREATE', 'INFO', 'MSG.NEXT']) allow.add(`${api}.CONSUMER.${call}.${on}.*`);
    allow.add(`${api}.CONSUMER.CREATE.${on}.*.>`);
  }
  // the ordered-consumer wildcards above must not reach another app's durables
  const deny = new Set<string>();
  for (const other of NATS_APPS) {
    if (other === app) continue;
    for (const durable of BUS_ACCESS[other].durables) {
      if (!access.reads.includes(durable.stream)) continue;
      const on = stream(durable.stream);
      for (const call of ['CREATE', 'INFO', 'MSG.NEXT']) deny.add(`${api}.CONSUMER.${call}.${on}.${durable.name}`);
      deny.add(`${api}.CONSUMER.CREATE.${on}.${durable.name}.>`);
    }
  }
  const subscribe = [`${inboxPrefixOf(user)}.>`, ...access.subscribes.map((subject) => `${root}.${subject}`)];
  return { publish: { allow: [...allow], deny: [...deny] }, subscribe: { allow: subscribe } };
}

function streamName(subjects: Subjects, key: StreamKey): string {
  switch (key) {
    case 'events':
      return subjects.eventsStream;
    case 'commands':
      return subjects.commandsStream;
    case 'heartbeats':
      return subjects.heartbeatsStream;
    case 'logs':
      return subjects.logsStream;
    case 'deadLetters':
      return subjects.deadLettersStream;
    case 'snapshots':
      return subjects.snapshotsStream;
    default: {
      const _exhaustive: never = key;
      return _exhaustive;
    }
  }
}

/** A password as written in the config file, or a reference to the server's environment variable holding it (compose). */
export type NatsPassword = string | { environmentVariable: string };

export interface NatsUser {
  user: string;
  password: NatsPassword;
  /** null: every subject (an operator's or a test harness's user) */
  permissions: NatsPermissions | null;
}

/** A user name NATS takes in a config file and in a subject token (its inbox). */
export const NATS_USER_PATTERN = /^[A-Za-z0-9_-]+$/;

/**
 * The `authorization { users = [...] }` block of a nats-server config file for `users`.
 * Values are JSON strings, which the server's config parser reads as quoted strings.
 */
export function renderAuthorization(users: readonly NatsUser[]): string {
  const quote = (value: string) => JSON.stringify(value);
  // an unquoted `$NAME` is looked up in the server's environment when the file does not define it
  const secret = (password: NatsPassword) => (typeof password === 'string' ? quote(password) : `$${password.environmentVariable}`);
  const list = (values: readonly string[]) => `[${values.map(quote).join(', ')}]`;
  const lines = ['authorization {', '  users = ['];
  for (const { user, password, permissions } of users) {
    if (!NATS_USER_PATTERN.test(user)) throw new Error(`NATS user name ${quote(user)} may hold only letters, digits, _ and -`);
    if (!permissions) {
      lines.push(`    { user: ${quote(user)}, password: ${secret(password)} }`);
      continue;
    }
    lines.push(`    {`, `      user: ${quote(user)}, password: ${secret(password)}`, `      permissions: {`);
    lines.push(`        publish: { allow: ${list(permissions.publish.allow)}${permissions.publish.deny.length > 0 ? `, deny: ${list(permissions.publish.deny)}` : ''} }`);
    lines.push(`        subscribe: { allow: ${list(permissions.subscribe.allow)} }`);
    lines.push(`      }`, `    }`);
  }
  lines.push('  ]', '}');
  return `${lines.join('\n')}\n`;
}

/** The environment variable that holds `app`'s password in a compose deployment (`NATS_POOL_MANAGER_PASSWORD`). */
export function composePasswordVariable(user: NatsApp | 'admin'): string {
  return `NATS_${user.toUpperCase().replace(/-/g, '_')}_PASSWORD`;
}

/**
 * The authorization block of the compose deployment (`deploy/nats.conf`): each app's user
 * for the default subject root and no stream prefix, and `admin`, the operator's, every
 * password read from the nats container's environment.
 */
export function composeAuthorization(): string {
  const scope = { subjectRoot: 'orch', streamPrefix: '' };
  return renderAuthorization([
    ...NATS_APPS.map((app) => ({ user: app, password: { environmentVariable: composePasswordVariable(app) }, permissions: natsPermissions(app, app, scope) })),
    { user: 'admin', password: { environmentVariable: composePasswordVariable('admin') }, permissions: null },
  ]);
}
