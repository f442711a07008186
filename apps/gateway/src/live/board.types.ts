import type { Namespace, Socket } from 'socket.io';
import type { BoardClientEvents, BoardServerEvents } from '@app/contracts';

/** What the gateway keeps on each socket. */
export interface BoardSocketData {
  /** the socket's subscriptions, one after the other */
  subscribing: Promise<unknown>;
}

export type BoardNamespace = Namespace<BoardClientEvents, BoardServerEvents, Record<string, never>, BoardSocketData>;
export type BoardSocket = Socket<BoardClientEvents, BoardServerEvents, Record<string, never>, BoardSocketData>;
