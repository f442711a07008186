import type { NextFunction, Request, Response } from 'express';
import { ForeignOrigin, UnsupportedBody } from '../errors/gateway.errors';
import { toErrorResponse } from './error-response';
import { isAcceptedBodyType, isAllowedOrigin, isMutating } from './origin-policy';

/**
 * Express middleware before every route: a mutating request from a foreign origin answers
 * 403 and one with a form or text body 415, before it is parsed — so a web page the
 * operator visits cannot cancel tasks or start work even when API_TOKEN is unset.
 */
export function browserGuard(allowedOrigins: readonly string[]) {
  return (request: Request, response: Response, next: NextFunction): void => {
    if (!isMutating(request.method)) return next();
    const origin = request.headers.origin;
    const contentType = request.headers['content-type'];
    const refusal = !isAllowedOrigin(origin, request.headers.host, allowedOrigins)
      ? new ForeignOrigin(origin ?? '')
      : !isAcceptedBodyType(contentType)
        ? new UnsupportedBody(contentType ?? '')
        : null;
    if (refusal === null) return next();
    const answer = toErrorResponse(refusal);
    response.status(answer.status).set(answer.headers).json(answer.body);
  };
}
