import { hostname } from 'node:os';
import { z } from 'zod';
import { BUS_ACCESS, NATS_USER_PATTERN, type NatsApp } from '@app/contracts';
import { failConfig, intVar, optionalStringVar, stringVar } from './env';

/** The variables every app reads to reach NATS. */
export const messagingEnvShape = {
  NATS_URL: stringVar('nats://127.0.0.1:4222'),
  NATS_SUBJECT_ROOT: stringVar('orch').pipe(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be one subject token (letters, digits, _ or -)')),
  NATS_STREAM_PREFIX: stringVar('').pipe(z.string().regex(/^[A-Za-z0-9_-]*$/, 'may hold only letters, digits, _ and -')),
  NATS_STREAM_REPLICAS: intVar(1, 1, 5),
  /** this app's own NATS user; unset against a server without authorization */
  NATS_USER: optionalStringVar().pipe(z.string().regex(NATS_USER_PATTERN, 'may hold only letters, digits, _ and -').nullable()),
  /** its password: one of SECRET_VARIABLES, so never logged nor echoed in a configuration error */
  NATS_PASSWORD: optionalStringVar(),
  ORCH_LOGS_MAX_AGE_S: intVar(7 * 24 * 3600, 60),
  ORCH_LOGS_MAX_BYTES: intVar(1024 ** 3, 1024 ** 2),
  ORCH_EVENTS_MAX_MESSAGES: intVar(100_000_000, 1_000),
  ORCH_HEARTBEATS_MAX_AGE_S: intVar(3600, 60),
  ORCH_HEARTBEATS_MAX_BYTES: intVar(256 * 1024 ** 2, 1024 ** 2),
  ORCH_SNAPSHOTS_MAX_BYTES: intVar(256 * 1024 ** 2, 1024 ** 2),
  ORCH_DLQ_MAX_BYTES: intVar(1024 ** 3, 1024 ** 2),
  ORCH_AGGREGATE_CACHE_MAX_BYTES: intVar(128 * 1024 ** 2, 0),
};

export type MessagingEnv = z.infer<z.ZodObject<typeof messagingEnvShape>>;

export function messagingOptionsFrom(env: MessagingEnv, app: NatsApp) {
  if ((env.NATS_USER === null) !== (env.NATS_PASSWORD === null)) {
    const missing = env.NATS_USER === null ? 'NATS_USER' : 'NATS_PASSWORD';
    failConfig(`${app}: invalid configuration:\n  ${missing}: must be set together with ${missing === 'NATS_USER' ? 'NATS_PASSWORD' : 'NATS_USER'} (this app's own NATS user)`);
  }
  return {
    natsUrl: env.NATS_URL,
    subjectRoot: env.NATS_SUBJECT_ROOT,
    streamPrefix: env.NATS_STREAM_PREFIX,
    replicas: env.NATS_STREAM_REPLICAS,
    logsMaxAgeS: env.ORCH_LOGS_MAX_AGE_S,
    logsMaxBytes: env.ORCH_LOGS_MAX_BYTES,
    eventsMaxMessages: env.ORCH_EVENTS_MAX_MESSAGES,
    heartbeatsMaxAgeS: env.ORCH_HEARTBEATS_MAX_AGE_S,
    heartbeatsMaxBytes: env.ORCH_HEARTBEATS_MAX_BYTES,
    snapshotsMaxBytes: env.ORCH_SNAPSHOTS_MAX_BYTES,
    deadLettersMaxBytes: env.ORCH_DLQ_MAX_BYTES,
    aggregateCacheMaxBytes: env.ORCH_AGGREGATE_CACHE_MAX_BYTES,
    producer: `${app}@${hostname()}:${process.pid}`,
    credentials: env.NATS_USER !== null && env.NATS_PASSWORD !== null ? { user: env.NATS_USER, password: env.NATS_PASSWORD } : null,
    updatesStreams: BUS_ACCESS[app].updatesStreams,
  };
}
