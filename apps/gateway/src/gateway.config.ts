import { z } from 'zod';
import { intVar, messagingEnvShape, messagingOptionsFrom, optionalStringVar, parseEnv, stringVar } from '@app/config';
import type { MessagingOptions } from '@app/messaging';

const schema = z.object({
  ...messagingEnvShape,
  PORT: intVar(3000, 0, 65_535),
  HOST: stringVar('127.0.0.1'),
  DATABASE_URL: stringVar('postgres://postgres@127.0.0.1:5432/postgres').pipe(
    z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  ),
  API_TOKEN: optionalStringVar(),
  GATEWAY_BODY_LIMIT_BYTES: intVar(64 * 1024, 1024, 16 * 1024 * 1024),
});

export interface GatewayConfig {
  messaging: MessagingOptions;
  port: number;
  host: string;
  databaseUrl: string;
  /** bearer token for mutating routes; null = open */
  apiToken: string | null;
  bodyLimitBytes: number;
}

export const GATEWAY_CONFIG = Symbol('GatewayConfig');

export function loadGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfig {
  const parsed = parseEnv(schema, env, 'gateway', ['API_TOKEN', 'DATABASE_URL']);
  return {
    messaging: messagingOptionsFrom(parsed, 'gateway'),
    port: parsed.PORT,
    host: parsed.HOST,
    databaseUrl: parsed.DATABASE_URL,
    apiToken: parsed.API_TOKEN,
    bodyLimitBytes: parsed.GATEWAY_BODY_LIMIT_BYTES,
  };
}
