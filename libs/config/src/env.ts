import { z } from 'zod';
import { SECRET_VARIABLES } from './logging/redact';

/** A configuration problem found at boot; its message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates `env` against `schema`. A missing or malformed variable throws a ConfigError
 * that names it, what was wrong, and the value seen (never for `secrets` nor SECRET_VARIABLES).
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv, app: string, secrets: readonly string[] = []): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(env)');
    const secret = secrets.includes(variable) || (SECRET_VARIABLES as readonly string[]).includes(variable);
    const seen = secret ? '' : ` (got ${JSON.stringify(env[variable] ?? null)})`;
    return `  ${variable}: ${issue.message}${seen}`;
  });
  return failConfig(`${app}: invalid configuration:\n${problems.join('\n')}`);
}

export function failConfig(message: string): never {
  throw new ConfigError(message);
}

/** An integer variable with a default. */
export const intVar = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((value) => value ?? fallback);

/** An optional amount in US dollars (`2.50`), above 0; empty or unset: null (off). */
export const usdVar = () =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === undefined || value === '' ? null : value))
    .pipe(z.string().regex(/^\d+(\.\d+)?$/, 'must be an amount in US dollars, like 2.50').transform(Number).pipe(z.number().positive().max(1_000_000)).nullable());

/** A boolean variable with a default: true/false, 1/0, yes/no. */
export const boolVar = (fallback: boolean) =>
  z
    .string()
    .trim()
    .toLowerCase()
    .refine((value) => ['true', 'false', '1', '0', 'yes', 'no'].includes(value), 'must be true or false')
    .transform((value) => ['true', '1', 'yes'].includes(value))
    .optional()
    .transform((value) => value ?? fallback);

/** A string variable with a default; empty counts as unset. */
export const stringVar = (fallback: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === undefined || value === '' ? fallback : value));

/** An optional string variable; empty counts as unset. */
export const optionalStringVar = () =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === undefined || value === '' ? null : value));
