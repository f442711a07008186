import { io, type Socket } from 'socket.io-client';
import {
  BOARD_NAMESPACE,
  type BoardClientEvents,
  type BoardEventName,
  type BoardServerEvents,
  type SubscribeReply,
  type SubscribeRequest,
} from '@app/contracts';

/** One event as a board client received it. */
export type ReceivedEvent = { [K in BoardEventName]: { name: K; payload: Parameters<BoardServerEvents[K]>[0] } }[BoardEventName];

export interface BoardClientOptions {
  /** the gateway, e.g. `http://127.0.0.1:3000` */
  baseUrl: string;
  /** the handshake's `auth.token` */
  token?: string;
  board?: boolean;
  taskIds?: string[];
  /** where the first subscription starts (0 = the whole log); absent = live only */
  afterSeq?: number;
  afterLogSeq?: number;
}

const EVENT_NAMES: BoardEventName[] = ['stage-update', 'task-update', 'pool-update', 'log', 'metrics', 'resync'];

/**
 * A board as the browser would run it, for tests: it records every event it receives,
 * remembers the last sequence of each stream, and on every (re)connect subscribes again
 * from there.
 */
export class BoardClient {
  readonly received: ReceivedEvent[] = [];
  lastSeq: number | undefined;
  lastLogSeq: number | undefined;
  private readonly socket: Socket<BoardServerEvents, BoardClientEvents>;

  private constructor(private readonly options: BoardClientOptions) {
    this.lastSeq = options.afterSeq;
    this.lastLogSeq = options.afterLogSeq;
    this.socket = io(`${options.baseUrl}${BOARD_NAMESPACE}`, {
      autoConnect: false,
      reconnection: false,
      transports: ['websocket'],
      auth: options.token === undefined ? {} : { token: options.token },
    });
    for (const name of EVENT_NAMES) {
      this.socket.on(name, (payload: ReceivedEvent['payload']) => this.record({ name, payload } as ReceivedEvent));
    }
  }

  /** Connects and subscribes; rejects with the server's refusal (e.g. `unauthorized`). */
  static async connect(options: BoardClientOptions): Promise<BoardClient> {
    const client = new BoardClient(options);
    await client.reconnect();
    return client;
  }

  /** Connects again and subscribes from the last sequences seen. */
  async reconnect(): Promise<SubscribeReply> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => {
        this.socket.off('connect', onConnect);
        reject(error);
      };
      const onConnect = () => {
        this.socket.off('connect_error', onError);
        resolve();
      };
      this.socket.once('connect', onConnect);
      this.socket.once('connect_error', onError);
      this.socket.connect();
    });
    const request: SubscribeRequest = {
      ...(this.options.board === undefined ? {} : { board: this.options.board }),
      ...(this.options.taskIds === undefined ? {} : { taskIds: this.options.taskIds }),
      ...(this.lastSeq === undefined ? {} : { afterSeq: this.lastSeq }),
      ...(this.lastLogSeq === undefined ? {} : { afterLogSeq: this.lastLogSeq }),
    };
    return this.socket.timeout(10_000).emitWithAck('subscribe', request);
  }

  /** Sends a raw `subscribe` and returns the server's reply. */
  subscribeRaw(request: unknown): Promise<SubscribeReply> {
    return this.socket.timeout(10_000).emitWithAck('subscribe', request as SubscribeRequest);
  }

  disconnect(): void {
    this.socket.disconnect();
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** The events of one name, in the order received. */
  of<K extends BoardEventName>(name: K): Array<Parameters<BoardServerEvents[K]>[0]> {
    return this.received.filter((event) => event.name === name).map((event) => event.payload as Parameters<BoardServerEvents[K]>[0]);
  }

  /** Resolves once an event matches, or rejects after `timeoutMs`. */
  async waitFor(matches: (event: ReceivedEvent) => boolean, timeoutMs: number, what: string): Promise<ReceivedEvent> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.received.find(matches);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }

  /** Resolves once nothing new arrived for `quietMs`. */
  async settle(quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let count = this.received.length;
    let quietSince = Date.now();
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (this.received.length !== count) {
        count = this.received.length;
        quietSince = Date.now();
      } else if (Date.now() - quietSince >= quietMs) {
        return;
      }
    }
  }

  private record(event: ReceivedEvent): void {
    this.received.push(event);
    if (event.name === 'log') this.lastLogSeq = Math.max(this.lastLogSeq ?? 0, event.payload.seq);
    else if (event.name !== 'metrics' && event.name !== 'resync') this.lastSeq = Math.max(this.lastSeq ?? 0, event.payload.seq);
  }
}

/** A stage of `taskId` reported in `status` (for `BoardClient.waitFor`). */
export const stageIs = (taskId: string, stageType: string, status: string) => (event: ReceivedEvent) =>
  event.name === 'stage-update' && event.payload.taskId === taskId && event.payload.stageType === stageType && event.payload.status === status;

/** `taskId` reported in `status` (for `BoardClient.waitFor`). */
export const taskIs = (taskId: string, status: string) => (event: ReceivedEvent) => event.name === 'task-update' && event.payload.taskId === taskId && event.payload.status === status;

/** The updates from ORCH_EVENTS, in the order received (log batches and metrics snapshots apart). */
export const eventUpdates = (events: readonly ReceivedEvent[]) => events.filter((event) => event.name !== 'metrics' && event.name !== 'log');
