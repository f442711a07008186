import { z } from 'zod';
import { boolVar, intVar, messagingEnvShape, messagingOptionsFrom, namedTokensFrom, optionalStringVar, parseEnv, parseNamedTokens, stringVar, type NamedToken } from '@app/config';
import type { MessagingOptions } from '@app/messaging';
import type { WebhooksConfig } from './webhooks/webhooks.config';

const schema = z.object({
  ...messagingEnvShape,
  PORT: intVar(3000, 0, 65_535),
  HOST: stringVar('127.0.0.1'),
  DATABASE_URL: stringVar('postgres://postgres@127.0.0.1:5432/postgres').pipe(
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  ),
  API_TOKEN: optionalStringVar(),
  API_TOKENS: optionalStringVar().superRefine((value, context) => {
    const parsed = value === null ? [] : parseNamedTokens(value);
    if (typeof parsed === 'string') context.addIssue({ code: 'custom', message: parsed });
  }),
  API_READS_REQUIRE_TOKEN: boolVar(false),
  GATEWAY_BODY_LIMIT_BYTES: intVar(64 * 1024, 1024, 16 * 1024 * 1024),
  GATEWAY_DECISION_WAIT_MS: intVar(1_000, 0, 10_000),
  GATEWAY_SOCKET_REPLAY_LIMIT: intVar(10_000, 1, 1_000_000),
  GATEWAY_HEALTH_MAX_LAG: intVar(10_000, 0),
  GATEWAY_HEALTH_STALL_S: intVar(30, 1, 86_400),
  ORCHESTRATOR_ENABLED: boolVar(true),
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value) => (value ?? '').split(',').map((item) => item.trim().replace(/\/+$/, '')).filter((item) => item.length > 0))
    .pipe(z.array(z.string().refine(isOrigin, 'every entry must be an origin: scheme://host[:port], nothing after it'))),
  WEBHOOK_URLS: z
    .string()
    .optional()
    .transform((value) => (value ?? '').split(',').map((item) => item.trim()).filter((item) => item.length > 0))
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'every entry must be an http(s) URL' }))),
  WEBHOOK_SECRET: optionalStringVar(),
  WEBHOOK_MAX_ATTEMPTS: intVar(8, 1, 100),
  WEBHOOK_RETRY_BASE_MS: intVar(1_000, 10, 3_600_000),
  WEBHOOK_TIMEOUT_MS: intVar(10_000, 100, 300_000),
  BOARD_PUBLIC_URL: optionalStringVar().pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).nullable()),
});

function isOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}

export interface GatewayConfig {
  messaging: MessagingOptions;
  port: number;
  host: string;
  databaseUrl: string;
  /** bearer tokens for mutating routes and the socket, each with its name (API_TOKENS; API_TOKEN is `default`); none = open */
  apiTokens: NamedToken[];
  /** whether reads (GET) need the token too, when there is one */
  readsRequireToken: boolean;
  /** bytes; a larger request body is refused with 413 */
  bodyLimitBytes: number;
  /** milliseconds a start, retry or cancel waits for the orchestrator's decision to be projected */
  decisionWaitMs: number;
  /** events a reconnecting socket may be sent to catch up; beyond it, it is told to reload */
  socketReplayLimit: number;
  /** events the projection may lag behind the log before /health answers 503; 0 = never */
  healthMaxLag: number;
  /** seconds events may wait without the projection applying any before /health answers 503 (stalled) */
  healthStallS: number;
  /** ORCHESTRATOR_ENABLED: false refuses new starts and retries with 503 (the rollback switch) */
  orchestratorEnabled: boolean;
  /** origins (`scheme://host[:port]`) whose pages may use the socket and the mutating routes besides the gateway's own; empty = same origin only */
  corsOrigins: string[];
  /** WEBHOOK_URLS, WEBHOOK_SECRET, …: whom the gateway tells when a task waits, ends or opened a pull request */
  webhooks: WebhooksConfig;
}

export const GATEWAY_CONFIG = Symbol('GatewayConfig');

export function loadGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const parsed = parseEnv(schema, env, 'gateway', ['API_TOKEN', 'API_TOKENS', 'DATABASE_URL', 'WEBHOOK_URLS', 'WEBHOOK_SECRET']);
  return {
    messaging: messagingOptionsFrom(parsed, 'gateway'),
    port: parsed.PORT,
    host: parsed.HOST,
    databaseUrl: parsed.DATABASE_URL,
    apiTokens: namedTokensFrom({ API_TOKEN: parsed.API_TOKEN ?? undefined, API_TOKENS: parsed.API_TOKENS ?? undefined }),
    readsRequireToken: parsed.API_READS_REQUIRE_TOKEN,
    bodyLimitBytes: parsed.GATEWAY_BODY_LIMIT_BYTES,
    decisionWaitMs: parsed.GATEWAY_DECISION_WAIT_MS,
    socketReplayLimit: parsed.GATEWAY_SOCKET_REPLAY_LIMIT,
    healthMaxLag: parsed.GATEWAY_HEALTH_MAX_LAG,
    healthStallS: parsed.GATEWAY_HEALTH_STALL_S,
    orchestratorEnabled: parsed.ORCHESTRATOR_ENABLED,
    corsOrigins: parsed.CORS_ORIGINS,
    webhooks: {
      urls: parsed.WEBHOOK_URLS.map((url) => new URL(url)),
      secret: parsed.WEBHOOK_SECRET,
      boardPublicUrl: parsed.BOARD_PUBLIC_URL,
      maxAttempts: parsed.WEBHOOK_MAX_ATTEMPTS,
      retryBaseMs: parsed.WEBHOOK_RETRY_BASE_MS,
      timeoutMs: parsed.WEBHOOK_TIMEOUT_MS,
    },
  };
}
