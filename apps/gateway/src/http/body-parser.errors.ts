import type { NextFunction, Request, Response } from 'express';
import { InvalidInput, PayloadTooLarge } from '../errors/gateway.errors';
import { toErrorResponse } from './error-response';

/** What body-parser attaches to the errors it raises. */
interface BodyParserError extends Error {
  type?: string;
}

/**
 * Express error middleware right after the JSON parser: its refusals (malformed JSON, a
 * body over the limit, an unknown charset) never reach Nest, so they are turned into the
 * gateway's typed errors here and answered with the same mapping as the exception filter.
 */
export function bodyParserErrors(limitBytes: number) {
  return (error: BodyParserError, _request: Request, response: Response, next: NextFunction): void => {
    const typed = typedError(error, limitBytes);
    if (typed === null) {
      next(error);
      return;
    }
    const answer = toErrorResponse(typed);
    response.status(answer.status).set(answer.headers).json(answer.body);
  };
}

function typedError(error: BodyParserError, limitBytes: number): Error | null {
  switch (error.type) {
    case 'entity.parse.failed':
      return new InvalidInput(`request body is not valid JSON: ${error.message}`, [{ field: 'body', problem: `malformed JSON: ${error.message}` }]);
    case 'entity.too.large':
      return new PayloadTooLarge(limitBytes);
    case 'charset.unsupported':
    case 'encoding.unsupported':
    case 'request.size.invalid':
    case 'request.aborted':
      return new InvalidInput(`request body could not be read: ${error.message}`, [{ field: 'body', problem: error.message }]);
    default:
      return null;
  }
}
