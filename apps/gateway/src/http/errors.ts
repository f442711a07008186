import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

/** A request the API refuses, with the field at fault. */
export class BadRequest extends Error {
  constructor(
    message: string,
    readonly fields: Array<{ field: string; problem: string }> = [],
  ) {
    super(message);
  }
}

export class NotFound extends Error {}

/** A dependency (NATS, Postgres) that does not answer. */
export class Unavailable extends Error {}

/**
 * Maps the gateway's errors to HTTP: 400 with the fields at fault, 404, 503 naming the
 * missing dependency; anything unexpected is a 500 that is logged.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (error instanceof BadRequest) {
      response.status(400).json({ statusCode: 400, error: 'Bad Request', message: error.message, fields: error.fields });
    } else if (error instanceof NotFound) {
      response.status(404).json({ statusCode: 404, error: 'Not Found', message: error.message });
    } else if (error instanceof Unavailable) {
      response.status(503).json({ statusCode: 503, error: 'Service Unavailable', message: error.message });
    } else if (error instanceof HttpException) {
      const status = error.getStatus();
      const body = error.getResponse();
      response.status(status).json(typeof body === 'string' ? { statusCode: status, message: body } : body);
    } else {
      this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      response.status(500).json({ statusCode: 500, error: 'Internal Server Error', message: 'unexpected error; see the gateway log' });
    }
  }
}
