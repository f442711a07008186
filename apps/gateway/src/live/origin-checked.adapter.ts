import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { isAllowedOrigin } from '../http/origin-policy';

/**
 * Socket.IO with the gateway's origin rule at the handshake itself (every namespace, both
 * transports): a page of another origin gets HTTP 403 before any event is sent to it.
 */
export class OriginCheckedIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly allowedOrigins: readonly string[],
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const allowRequest: ServerOptions['allowRequest'] = (request, callback) => {
      const allowed = isAllowedOrigin(request.headers.origin, request.headers.host, this.allowedOrigins);
      callback(allowed ? null : `origin ${request.headers.origin ?? ''} is refused`, allowed);
    };
    // Nest passes the gateway decorator's options, which socket.io fills up with its defaults
    const withCheck: Partial<ServerOptions> = { ...options, allowRequest };
    return super.createIOServer(port, withCheck as ServerOptions);
  }
}
