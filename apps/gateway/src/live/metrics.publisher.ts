import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { EventFeed } from '../projection/event-feed';
import { BoardHub } from './board.hub';
import type { BoardSocket } from './board.types';

/** milliseconds between two metrics pushes at most: a burst of events yields one snapshot */
const PUSH_INTERVAL_MS = 1_000;

/** Pushes a metrics snapshot to the board room after the events that change it, at most once a second. */
@Injectable()
export class MetricsPublisher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MetricsPush');
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly events: EventFeed,
    private readonly metrics: MetricsService,
    private readonly hub: BoardHub,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.events.subscribe(({ event }) => {
      if (event.type !== 'RunHeartbeat' && this.timer === null) this.timer = setTimeout(() => this.push(), PUSH_INTERVAL_MS);
    });
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Sends the current snapshot to one socket (a board that just subscribed). */
  sendTo(socket: BoardSocket): void {
    this.metrics.snapshot().then(
      (snapshot) => socket.emit('metrics', snapshot),
      (error: unknown) => this.logger.warn(`No metrics for socket ${socket.id}: ${(error as Error).message}`),
    );
  }

  private push(): void {
    this.timer = null;
    this.metrics.snapshot().then(
      (snapshot) => this.hub.broadcastMetrics(snapshot),
      (error: unknown) => this.logger.warn(`No metrics pushed: ${(error as Error).message}`),
    );
  }
}
