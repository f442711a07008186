import { Inject, Injectable, Logger } from '@nestjs/common';
import { z } from 'zod';
import { BOARD_ROOM, describeIssues, taskRoom, type LogBatch, type OrchEvent, type SubscribeReply, type SubscribeRequest } from '@app/contracts';
import { NatsClient, validEvents } from '@app/messaging';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { EventFeed } from '../projection/event-feed';
import { StreamCursor } from '../projection/stream-cursor';
import { toBoardUpdates, type BoardUpdate } from './board-update.mapper';
import { emitUpdate } from './board.hub';
import type { BoardSocket } from './board.types';
import { LogFeed } from './log-feed';
import { parseLogBatch } from './log-tail.service';
import { mergeBySeq } from './merge-by-seq';
import { MetricsPublisher } from './metrics.publisher';

/** milliseconds a client that is ahead of this gateway waits for the projection to catch up */
const CATCH_UP_WAIT_MS = 2_000;
const MAX_TASK_ROOMS = 100;
/** log batches read ahead per task while a replay merges the tasks' logs (a batch is up to a few KiB) */
const LOG_REPLAY_PAGE = 32;

const subscribeRequestSchema = z
  .object({
    board: z.boolean().optional(),
    taskIds: z.array(z.uuid()).max(MAX_TASK_ROOMS).optional(),
    afterSeq: z.number().int().nonnegative().optional(),
    afterLogSeq: z.number().int().nonnegative().optional(),
  })
  .strict() satisfies z.ZodType<SubscribeRequest>;

/** What a subscription wants to hear. */
interface Interest {
  rooms: string[];
  taskIds: ReadonlySet<string>;
}

/**
 * A socket's (re)subscription: it leaves its rooms, is sent what it missed since the
 * sequences it gives, straight from the streams, then joins its rooms for the live
 * updates. Updates that arrive meanwhile are held and sent between the two, and the join
 * happens in the same tick as that flush, so the socket gets every update once, in order.
 */
@Injectable()
export class BoardSubscriptions {
  private readonly logger = new Logger('BoardSocket');

  constructor(
    private readonly events: EventFeed,
    private readonly logs: LogFeed,
    private readonly cursor: StreamCursor,
    private readonly nats: NatsClient,
    private readonly metrics: MetricsPublisher,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Serialised per socket: a second subscribe waits for the first. */
  subscribe(socket: BoardSocket, body: unknown): Promise<SubscribeReply> {
    const parsed = subscribeRequestSchema.safeParse(body ?? {});
    if (!parsed.success) return Promise.resolve({ ok: false, error: `invalid subscribe request: ${describeIssues(parsed.error)}` });
    const run = (socket.data.subscribing ?? Promise.resolve()).then(() => this.resubscribe(socket, parsed.data));
    socket.data.subscribing = run.catch(() => undefined);
    return run.catch((error: unknown) => {
      this.logger.error(`Subscription of socket ${socket.id} failed: ${(error as Error).message}`);
      return { ok: false, error: 'the gateway could not read the streams; try again' };
    });
  }

  private async resubscribe(socket: BoardSocket, request: SubscribeRequest): Promise<SubscribeReply> {
    const interest = interestOf(request);
    for (const room of [...socket.rooms]) if (room !== socket.id) void socket.leave(room);
    const eventsHead = this.events.lastSeq;
    const logsHead = this.logs.lastSeq;
    const heldUpdates: BoardUpdate[] = [];
    const heldLogs: LogBatch[] = [];
    const stopEvents = this.events.subscribe(({ seq, event }) => heldUpdates.push(...updatesFor(seq, event, interest)));
    const stopLogs = this.logs.subscribe((batch) => {
      if (interest.taskIds.has(batch.taskId)) heldLogs.push(batch);
    });
    try {
      const afterSeq = request.afterSeq ?? eventsHead;
      const afterLogSeq = request.afterLogSeq ?? logsHead;
      if (afterSeq > eventsHead) await this.events.reached(afterSeq, CATCH_UP_WAIT_MS);
      await this.replayEvents(socket, interest, afterSeq, eventsHead);
      await this.replayLogs(socket, interest, afterLogSeq, logsHead);
      for (const update of heldUpdates) if (update.payload.seq > afterSeq) emitUpdate(socket, update);
      for (const batch of heldLogs) if (batch.seq > afterLogSeq) socket.emit('log', batch);
      if (interest.rooms.length > 0) void socket.join(interest.rooms);
    } finally {
      stopEvents();
      stopLogs();
    }
    if (request.board) this.metrics.sendTo(socket);
    return { ok: true, seq: this.events.lastSeq, logSeq: this.logs.lastSeq };
  }

  /** The events after `afterSeq` up to `head`, or a resync notice when they cannot all be sent. */
  private async replayEvents(socket: BoardSocket, interest: Interest, afterSeq: number, head: number): Promise<void> {
    if (afterSeq >= head || interest.rooms.length === 0) return;
    const { firstSeq } = await this.cursor.bounds('events');
    if (head - afterSeq > this.config.socketReplayLimit || afterSeq + 1 < firstSeq) {
      const reason = afterSeq + 1 < firstSeq ? `events after #${afterSeq} are no longer in the log` : `more than ${this.config.socketReplayLimit} events were missed`;
      socket.emit('resync', { reason, seq: head });
      return;
    }
    for await (const { seq, event } of validEvents(this.cursor.range('events', afterSeq + 1, head))) {
      for (const update of updatesFor(seq, event, interest)) emitUpdate(socket, update);
    }
  }

  /**
   * The log batches of the socket's tasks after `afterLogSeq` up to `head`, merged in stream
   * order and sent as they are read (each task's read in pages of `LOG_REPLAY_PAGE`, never
   * gathered), or, once more than the replay limit were sent, a resync notice (the client
   * then reloads: what it got before is harmless).
   */
  private async replayLogs(socket: BoardSocket, interest: Interest, afterLogSeq: number, head: number): Promise<void> {
    if (afterLogSeq >= head || interest.taskIds.size === 0) return;
    const perTask = [...interest.taskIds].map((taskId) => this.cursor.range('logs', afterLogSeq + 1, head, this.nats.subjects.log(taskId, '*'), LOG_REPLAY_PAGE));
    let sent = 0;
    for await (const message of mergeBySeq(perTask)) {
      const batch = parseLogBatch(message);
      if (batch === null) continue;
      sent += 1;
      if (sent > this.config.socketReplayLimit) {
        socket.emit('resync', { reason: `more than ${this.config.socketReplayLimit} log batches were missed`, seq: this.events.lastSeq });
        return;
      }
      socket.emit('log', batch);
    }
  }
}

function interestOf(request: SubscribeRequest): Interest {
  const taskIds = new Set(request.taskIds ?? []);
  return { rooms: [...(request.board ? [BOARD_ROOM] : []), ...[...taskIds].map(taskRoom)], taskIds };
}

function updatesFor(seq: number, event: OrchEvent, interest: Interest): BoardUpdate[] {
  return toBoardUpdates(seq, event).filter((update) => update.rooms.some((room) => interest.rooms.includes(room)));
}
