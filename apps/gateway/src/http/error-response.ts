import { HttpException } from '@nestjs/common';
import { asDependencyFailure } from '../errors/dependency.errors';
import {
  ConflictError,
  DependencyUnavailable,
  DiffNotRecorded,
  ForeignOrigin,
  InvalidInput,
  OrchestrationDisabled,
  NotFoundError,
  PayloadTooLarge,
  Unauthorized,
  UnsupportedBody,
  type FieldProblem,
  type GatewayError,
} from '../errors/gateway.errors';

/** The JSON body of every error the API answers. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  fields: FieldProblem[];
  [detail: string]: unknown;
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * The one mapping from an error to an HTTP answer: the gateway's typed errors by kind, a
 * dependency that is down as 503, a path Express cannot decode as 400 naming it, Nest's own
 * HTTP exceptions (an unknown route) as they are, and anything else as a 500 (`unexpected` then says so, for the log).
 */
export function toErrorResponse(error: unknown): ErrorResponse & { unexpected: boolean } {
  const dependency = asDependencyFailure(error);
  if (dependency) return { ...gatewayResponse(503, dependency), unexpected: false };
  if (error instanceof InvalidInput) return { ...gatewayResponse(400, error), unexpected: false };
  if (error instanceof Unauthorized) return { ...gatewayResponse(401, error, { 'www-authenticate': 'Bearer' }), unexpected: false };
  if (error instanceof ForeignOrigin) return { ...gatewayResponse(403, error), unexpected: false };
  if (error instanceof UnsupportedBody) return { ...gatewayResponse(415, error), unexpected: false };
  if (error instanceof NotFoundError || error instanceof DiffNotRecorded) return { ...gatewayResponse(404, error), unexpected: false };
  if (error instanceof ConflictError) return { ...gatewayResponse(409, error), unexpected: false };
  if (error instanceof OrchestrationDisabled) return { ...gatewayResponse(503, error), unexpected: false };
  if (error instanceof PayloadTooLarge) return { ...gatewayResponse(413, error), unexpected: false };
  if (error instanceof HttpException && error.cause instanceof URIError) {
    // Express could not decode a path parameter (`/api/tasks/%`, `%ED%A0%80`): the path is at fault
    return { ...gatewayResponse(400, new InvalidInput(error.message, [{ field: 'path', problem: 'is not valid percent-encoded UTF-8' }])), unexpected: false };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { status, body: { statusCode: status, error: REASONS[status] ?? 'Error', message: error.message, fields: [] }, headers: {}, unexpected: false };
  }
  return {
    status: 500,
    body: { statusCode: 500, error: REASONS[500] ?? 'Error', message: 'unexpected error; see the gateway log', fields: [] },
    headers: {},
    unexpected: true,
  };
}

function gatewayResponse(status: number, error: GatewayError, headers: Record<string, string> = {}): ErrorResponse {
  const details = error instanceof DependencyUnavailable ? error.details : {};
  return { status, body: { ...details, statusCode: status, error: REASONS[status] ?? 'Error', message: error.message, fields: error.fields }, headers };
}
