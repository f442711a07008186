import type { ErrorBody, FieldProblem } from './api.types';

/** A refusal of the API (or no answer at all: status 0), with the fields it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The problem the API names for one field, e.g. `title`. */
  problemWith(field: string): string | null {
    return this.fields.find((problem) => problem.field === field)?.problem ?? null;
  }
}

/** Reads an error answer: the API's JSON body when it has one, else the status text. */
export function toApiError(status: number, statusText: string, body: unknown): ApiError {
  if (isErrorBody(body)) return new ApiError(status, body.message, body.fields);
  return new ApiError(status, `${status} ${statusText}`.trim());
}

function isErrorBody(body: unknown): body is ErrorBody {
  if (typeof body !== 'object' || body === null) return false;
  const candidate = body as Partial<ErrorBody>;
  return typeof candidate.message === 'string' && Array.isArray(candidate.fields);
}
