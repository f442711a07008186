import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Hands a handler's error, untouched, back to the JetStream transport, which decides from
 * its class whether to nak or dead-letter. Nest's default RPC filter would replace it with
 * an anonymous "Internal server error" object.
 */
@Catch()
export class RethrowRpcErrorsFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
