import { z } from 'zod';
import { parseEnv } from '../env';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const schema = z.object({
  LOG_LEVEL: z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((value) => (value === undefined || value === '' ? 'info' : value))
    .pipe(z.enum(LOG_LEVELS)),
  LOG_FORMAT: z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .pipe(z.enum(['json', 'pretty']).optional()),
});

export interface LoggingOptions {
  level: LogLevel;
  /** json: one JSON object per line; pretty: one coloured line per entry, for a terminal */
  format: 'json' | 'pretty';
  colour: boolean;
}

/**
 * `LOG_LEVEL` (default info) and `LOG_FORMAT` (default: pretty when stdout is a terminal,
 * else json). Colour follows the terminal, `FORCE_COLOR` and `NO_COLOR`.
 */
export function loggingOptionsFrom(env: NodeJS.ProcessEnv, app: string, stdoutIsTty: boolean): LoggingOptions {
  const parsed = parseEnv(schema, env, app);
  const colour = !env.NO_COLOR && (stdoutIsTty || Boolean(env.FORCE_COLOR && env.FORCE_COLOR !== '0'));
  return { level: parsed.LOG_LEVEL, format: parsed.LOG_FORMAT ?? (stdoutIsTty ? 'pretty' : 'json'), colour };
}
