import { z } from 'zod';

/** Schemas of responses, by component name, for the OpenAPI document. */
export const responseSchemas = z.registry<{ id: string; description?: string }>();
/** Schemas of request bodies and queries, by component name (documented as their input). */
export const requestSchemas = z.registry<{ id: string; description?: string }>();

/** The message for a missing field, else `problem`. */
export const requiredOr = (problem: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : problem) });

export const uuidParam = z.uuid(requiredOr('must be a UUID'));
export const isoTime = z.iso.datetime({ offset: true });

export const fieldProblemSchema = z.object({
  field: z.string().meta({ description: 'the field at fault: a body field, a query or path parameter, `body`, `authorization`' }),
  problem: z.string(),
});

export const errorBodySchema = z
  .object({
    statusCode: z.number().int(),
    error: z.string(),
    message: z.string(),
    fields: z.array(fieldProblemSchema),
  })
  .register(responseSchemas, { id: 'Error', description: 'Every error answer: the status, a message, and each field at fault.' });
