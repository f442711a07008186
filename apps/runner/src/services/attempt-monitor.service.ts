import { Inject, Injectable, Logger } from '@nestjs/common';
import { causedMessage, validateEvent, type MessageOf } from '@app/contracts';
import { Clock } from '@app/config';
import { MessagePublisher, NatsClient } from '@app/messaging';
import { closingReason } from '../domain/attempt-guard';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';
import { AttemptLog } from './attempt-log.service';

export interface AttemptWatch {
  stop(): void;
}

/**
 * Watches a running attempt for as long as its agent runs.
 *
 * How a cancel reaches the runner that runs the stage: the command stream is a work queue,
 * so a `CancelRun` lands on any one runner. That runner does not kill anything itself; it
 * appends `StageCancelled` to the task's subject (see StageRunService.cancel), and so does
 * the orchestrator when a task is cancelled or a deadline passes. Every runner running an
 * attempt of the task hears the task subject live (a core NATS subscription on
 * `<root>.evt.task.<taskId>`) and, when a message there looks like it closes the attempt,
 * reads the subject back from the stream to confirm before stopping its agent: a core
 * subscriber also sees what the stream refused (a duplicate, an append that lost its
 * expected-sequence race, a malformed message), so only the stored log decides. Core
 * subscriptions can miss a message across a reconnect, so each heartbeat also re-reads
 * the subject: a closed attempt is noticed within one heartbeat interval at worst.
 *
 * Heartbeats (`RunHeartbeat` on `<root>.hb.<taskId>`, stream ORCH_HEARTBEATS, every RUNNER_HEARTBEAT_MS)
 * tell the orchestrator the runner is alive; it renews the lease on each.
 */
@Injectable()
export class AttemptMonitor {
  private readonly logger = new Logger('Runner');

  constructor(
    private readonly nats: NatsClient,
    private readonly publisher: MessagePublisher,
    private readonly attempts: AttemptLog,
    private readonly clock: Clock,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  watch(command: MessageOf<'RunStage'>, onClosed: (reason: string) => void): AttemptWatch {
    const { taskId, stageId, attempt } = command.data;
    let closed = false;
    let checking: Promise<void> | null = null;
    /** Stops the agent if the stored log says the attempt is closed. */
    const confirm = (reason: string) => {
      if (closed) return;
      checking ??= this.attempts
        .facts(command.data)
        .then((facts) => {
          if (facts.status !== 'closed' || closed) return;
          closed = true;
          onClosed(reason);
        })
        .catch((error: unknown) => this.logger.warn(`Could not read task ${taskId} to check attempt ${attempt}: ${(error as Error).message}`))
        .finally(() => {
          checking = null;
        });
    };
    const subscription = this.nats.connection.subscribe(this.nats.subjects.task(taskId), {
      callback: (error, message) => {
        if (error || closed) return;
        const validated = validateEvent(message.data);
        if (!validated.ok) return;
        const reason = closingReason(validated.event, stageId, attempt);
        if (reason !== null) confirm(reason);
      },
    });
    let beat = 0;
    const heartbeat = setInterval(() => {
      beat += 1;
      void this.beat(command, beat).then(() => confirm('the attempt was closed on the task subject'));
    }, this.config.heartbeatMs);
    let stopped = false;
    return {
      stop() {
        if (stopped) return;
        stopped = true;
        closed = true;
        clearInterval(heartbeat);
        subscription.unsubscribe();
      },
    };
  }

  private async beat(command: MessageOf<'RunStage'>, beat: number): Promise<void> {
    const { taskId, orchestrationId, stageId, stageType, attempt } = command.data;
    const at = this.clock.nowIso();
    const heartbeat = causedMessage(
      command,
      'RunHeartbeat',
      taskId,
      { taskId, orchestrationId, stageId, stageType, attempt, runnerId: this.config.runnerId, at },
      { producer: this.config.messaging.producer, occurredAt: at },
      `heartbeat-${beat}`,
    );
    try {
      await this.publisher.append(heartbeat);
    } catch (error) {
      this.logger.warn(`Heartbeat for ${stageType} of task ${taskId} failed: ${(error as Error).message}`);
    }
  }
}
