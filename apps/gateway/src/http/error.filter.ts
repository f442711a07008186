import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorResponse } from './error-response';

/** Answers every error of an HTTP route with the JSON of `toErrorResponse`; logs the unexpected ones. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const response = host.switchToHttp().getResponse<Response>();
    const answer = toErrorResponse(error);
    if (answer.unexpected) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    else if (answer.status === 503) this.logger.warn(answer.body.message);
    response.status(answer.status).set(answer.headers).json(answer.body);
  }
}
