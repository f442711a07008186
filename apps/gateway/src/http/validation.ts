import type { z } from 'zod';
import { InvalidInput, type FieldProblem } from '../errors/gateway.errors';

/** Parses a body, query or parameter with its schema; a failure is a 400 naming each field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.flatMap((issue): FieldProblem[] => {
    const field = issue.path.length > 0 ? issue.path.join('.') : what;
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), problem: 'is not a known field' }));
    return [{ field, problem: issue.message }];
  });
  throw new InvalidInput(`invalid ${what}: ${fields.map((field) => `${field.field}: ${field.problem}`).join('; ')}`, fields);
}
