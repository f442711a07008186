import type { z } from 'zod';
import { InvalidInput } from '../errors/gateway.errors';

/** Parses a body, query or parameter with its schema; a failure is a 400 naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : what,
    problem: issue.message,
  }));
  throw new InvalidInput(`invalid ${what}: ${fields.map((field) => `${field.field}: ${field.problem}`).join('; ')}`, fields);
}
