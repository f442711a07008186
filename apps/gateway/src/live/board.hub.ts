import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { BOARD_ROOM, taskRoom, type MetricsSnapshot } from '@app/contracts';
import { EventFeed } from '../projection/event-feed';
import { toBoardUpdates, type BoardUpdate } from './board-update.mapper';
import type { BoardNamespace, BoardSocket } from './board.types';
import { LogFeed } from './log-feed';

/**
 * The live fan-out: every projected event becomes its board updates, sent to the board
 * room and the task's room, and every log batch goes to its task's room, in stream order.
 */
@Injectable()
export class BoardHub implements OnModuleDestroy {
  private namespace: BoardNamespace | null = null;
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly events: EventFeed,
    private readonly logs: LogFeed,
  ) {}

  /** Called once the Socket.IO namespace exists. */
  attach(namespace: BoardNamespace): void {
    this.namespace = namespace;
    this.unsubscribes.push(
      this.events.subscribe(({ seq, event }) => {
        for (const update of toBoardUpdates(seq, event)) emitUpdate(namespace.to(update.rooms), update);
      }),
      this.logs.subscribe((batch) => namespace.to(taskRoom(batch.taskId)).emit('log', batch)),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.namespace = null;
  }

  /** Sends a metrics snapshot to the board room. */
  broadcastMetrics(snapshot: MetricsSnapshot): void {
    this.namespace?.to(BOARD_ROOM).emit('metrics', snapshot);
  }
}

type Emitter = Pick<BoardSocket, 'emit'> | Pick<ReturnType<BoardNamespace['to']>, 'emit'>;

/** Sends one update through a socket (a replay) or to rooms (the live fan-out). */
export function emitUpdate(to: Emitter, update: BoardUpdate): void {
  switch (update.name) {
    case 'stage-update':
      to.emit('stage-update', update.payload);
      return;
    case 'task-update':
      to.emit('task-update', update.payload);
      return;
    case 'pool-update':
      to.emit('pool-update', update.payload);
      return;
    default: {
      const _exhaustive: never = update;
      return _exhaustive;
    }
  }
}
