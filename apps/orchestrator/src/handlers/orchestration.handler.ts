import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { MessageOf, OrchEvent } from '@app/contracts';
import { OrchestrationService } from '../services/orchestration.service';

/** The events the saga follows. Each handler only hands the message to the service. */
const FOLLOWED_EVENTS = [
  'OrchestrationAdmitted',
  'OrchestrationQueued',
  'OrchestrationReleased',
  'OrchestrationCompleted',
  'OrchestrationFailed',
  'OrchestrationCancelled',
  'StageScheduled',
  'LeaseGranted',
  'StageCompleted',
  'StageFailed',
  'StageTimedOut',
  'StageCancelled',
  'StageRetryScheduled',
  'StageStarted',
  'RunHeartbeat',
  'LeaseRevoked',
  'LeaseExpired',
] as const;

@Controller()
export class OrchestrationHandler {
  constructor(private readonly orchestration: OrchestrationService) {}

  @EventPattern('StartOrchestration')
  start(@Payload() command: MessageOf<'StartOrchestration'>): Promise<void> {
    return this.orchestration.start(command);
  }

  @EventPattern('CancelOrchestration')
  cancel(@Payload() command: MessageOf<'CancelOrchestration'>): Promise<void> {
    return this.orchestration.cancel(command);
  }

  @EventPattern('RetryStage')
  retry(@Payload() command: MessageOf<'RetryStage'>): Promise<void> {
    return this.orchestration.retryStage(command);
  }

  @EventPattern([...FOLLOWED_EVENTS])
  follow(@Payload() event: OrchEvent): Promise<void> {
    return this.orchestration.onEvent(event);
  }
}
