import { Logger } from '@nestjs/common';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway, type OnGatewayConnection, type OnGatewayInit } from '@nestjs/websockets';
import { BOARD_NAMESPACE, type BoardHandshakeRefusal, type SubscribeReply } from '@app/contracts';
import { TokenVerifier } from '../auth/token.verifier';
import { BoardHub } from './board.hub';
import { BoardSubscriptions } from './board.subscriptions';
import type { BoardNamespace, BoardSocket } from './board.types';

/**
 * The board's Socket.IO namespace. The handshake needs `auth.token` when API_TOKEN is set;
 * a client then sends `subscribe` after every (re)connect with the rooms it wants and the
 * last sequences it applied.
 */
@WebSocketGateway({ namespace: BOARD_NAMESPACE })
export class BoardGateway implements OnGatewayInit<BoardNamespace>, OnGatewayConnection<BoardSocket> {
  private readonly logger = new Logger('BoardSocket');

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly hub: BoardHub,
    private readonly subscriptions: BoardSubscriptions,
  ) {}

  afterInit(namespace: BoardNamespace): void {
    namespace.use((socket, next) => {
      const refusal = this.verifier.verifyToken((socket.handshake.auth as Record<string, unknown>)['token']);
      if (refusal === null) return next();
      this.logger.warn(`Refused a board socket from ${socket.handshake.address}: ${refusal}`);
      const error = Object.assign(new Error('unauthorized'), { data: { statusCode: 401, message: refusal } satisfies BoardHandshakeRefusal });
      next(error);
    });
    this.hub.attach(namespace);
  }

  handleConnection(socket: BoardSocket): void {
    this.logger.debug(`Board socket ${socket.id} connected`);
  }

  @SubscribeMessage('subscribe')
  subscribe(@ConnectedSocket() socket: BoardSocket, @MessageBody() body: unknown): Promise<SubscribeReply> {
    return this.subscriptions.subscribe(socket, body);
  }
}
