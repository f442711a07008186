import { io, type Socket } from 'socket.io-client';
import type { BoardClientEvents, BoardServerEvents, LogBatch, MetricsSnapshot, ResyncRequired, SubscribeRequest } from '../contracts';
import type { LiveUpdate } from '../state/board.actions';
import type { ConnectionStatus } from '../state/board.state';

/** the gateway's board namespace (BOARD_NAMESPACE in libs/contracts) */
const NAMESPACE = '/board';
/** milliseconds before connecting again after the server refused or dropped the namespace */
const RETRY_MS = 1_000;

export interface ConnectionHandlers {
  update(update: LiveUpdate): void;
  log(batch: LogBatch): void;
  metrics(snapshot: MetricsSnapshot): void;
  status(status: ConnectionStatus): void;
  /** the gateway cannot send all that was missed: the board reloads over REST and calls `resume` */
  resync(notice: ResyncRequired): void;
}

/**
 * The board's socket. After every (re)connect it subscribes to the board room (and the
 * watched task's room, for its log) from the last sequences it delivered, so a reconnect
 * receives what was missed, in order, then live updates.
 */
export class BoardConnection {
  private readonly socket: Socket<BoardServerEvents, BoardClientEvents>;
  private seq: number | null = null;
  private watchedTask: string | null = null;
  private logSeq: number | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    token: string | null,
    private readonly handlers: ConnectionHandlers,
  ) {
    this.socket = io(NAMESPACE, { autoConnect: false, auth: token === null ? {} : { token }, reconnectionDelay: 500, reconnectionDelayMax: 3_000 });
    this.socket.on('connect', () => this.subscribe());
    this.socket.on('disconnect', () => handlers.status('reconnecting'));
    this.socket.on('connect_error', (error: Error & { data?: { statusCode?: number } }) => this.refused(error));
    this.socket.on('stage-update', (payload) => this.deliver({ name: 'stage-update', payload }));
    this.socket.on('task-update', (payload) => this.deliver({ name: 'task-update', payload }));
    this.socket.on('pool-update', (payload) => this.deliver({ name: 'pool-update', payload }));
    this.socket.on('metrics', (snapshot) => handlers.metrics(snapshot));
    this.socket.on('resync', (notice) => handlers.resync(notice));
    this.socket.on('log', (batch) => {
      if (batch.taskId !== this.watchedTask) return;
      this.logSeq = Math.max(this.logSeq ?? 0, batch.seq);
      handlers.log(batch);
    });
  }

  /** Follows the log from `seq` (the REST snapshot's), connecting first when needed. */
  resume(seq: number): void {
    this.seq = seq;
    if (this.socket.connected) this.subscribe();
    else if (!this.socket.active) this.socket.connect();
  }

  /** Also follows one task's room, for its agent log from the start; null: the board only. */
  watch(taskId: string | null): void {
    if (taskId === this.watchedTask) return;
    this.watchedTask = taskId;
    this.logSeq = null;
    if (this.socket.connected && this.seq !== null) this.subscribe();
  }

  close(): void {
    this.closed = true;
    if (this.retry !== null) clearTimeout(this.retry);
    this.socket.disconnect();
  }

  private deliver(update: LiveUpdate): void {
    this.seq = Math.max(this.seq ?? 0, update.payload.seq);
    this.handlers.update(update);
  }

  private subscribe(): void {
    if (this.seq === null) return;
    const request: SubscribeRequest = { board: true, afterSeq: this.seq };
    if (this.watchedTask !== null) Object.assign(request, { taskIds: [this.watchedTask], afterLogSeq: this.logSeq ?? 0 });
    this.socket.emit('subscribe', request, (reply) => {
      if (reply.ok) this.handlers.status('live');
      else this.reconnectLater();
    });
  }

  private refused(error: Error & { data?: { statusCode?: number } }): void {
    if (error.data?.statusCode === 401) {
      this.handlers.status('unauthorized');
      return;
    }
    this.handlers.status('reconnecting');
    // a refusal by the namespace (not the transport) is not retried by socket.io itself
    if (!this.socket.active) this.reconnectLater();
  }

  private reconnectLater(): void {
    if (this.closed || this.retry !== null) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.closed) return;
      if (this.socket.connected) this.subscribe();
      else this.socket.connect();
    }, RETRY_MS);
  }
}
