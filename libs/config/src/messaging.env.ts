import { hostname } from 'node:os';
import { z } from 'zod';
import { intVar, stringVar } from './env';

/** The variables every app reads to reach NATS. */
export const messagingEnvShape = {
  NATS_URL: stringVar('nats://127.0.0.1:4222'),
  NATS_SUBJECT_ROOT: stringVar('orch').pipe(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be one subject token (letters, digits, _ or -)')),
  NATS_STREAM_PREFIX: stringVar('').pipe(z.string().regex(/^[A-Za-z0-9_-]*$/, 'may hold only letters, digits, _ and -')),
  NATS_STREAM_REPLICAS: intVar(1, 1, 5),
  ORCH_LOGS_MAX_AGE_S: intVar(7 * 24 * 3600, 60),
  ORCH_LOGS_MAX_BYTES: intVar(1024 ** 3, 1024 ** 2),
  ORCH_EVENTS_MAX_MESSAGES: intVar(100_000_000, 1_000),
  ORCH_HEARTBEATS_MAX_AGE_S: intVar(3600, 60),
};

export type MessagingEnv = z.infer<z.ZodObject<typeof messagingEnvShape>>;

export function messagingOptionsFrom(env: MessagingEnv, app: string) {
  return {
    natsUrl: env.NATS_URL,
    subjectRoot: env.NATS_SUBJECT_ROOT,
    streamPrefix: env.NATS_STREAM_PREFIX,
    replicas: env.NATS_STREAM_REPLICAS,
    logsMaxAgeS: env.ORCH_LOGS_MAX_AGE_S,
    logsMaxBytes: env.ORCH_LOGS_MAX_BYTES,
    eventsMaxMessages: env.ORCH_EVENTS_MAX_MESSAGES,
    heartbeatsMaxAgeS: env.ORCH_HEARTBEATS_MAX_AGE_S,
    producer: `${app}@${hostname()}:${process.pid}`,
  };
}
