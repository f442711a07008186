import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { MessageOf } from '@app/contracts';
import { FOLLOWED_EVENT_TYPES, type FollowedEvent } from '../domain/followed-events';
import { OrchestrationService } from '../services/orchestration.service';

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

  @EventPattern('DecideApproval')
  decide(@Payload() command: MessageOf<'DecideApproval'>): Promise<void> {
    return this.orchestration.decideApproval(command);
  }

  @EventPattern('RaiseTaskBudget')
  raiseBudget(@Payload() command: MessageOf<'RaiseTaskBudget'>): Promise<void> {
    return this.orchestration.raiseBudget(command);
  }

  @EventPattern('RequestFollowUp')
  followUp(@Payload() command: MessageOf<'RequestFollowUp'>): Promise<void> {
    return this.orchestration.requestFollowUp(command);
  }

  /** The events the saga follows (one list: `FOLLOWED_EVENTS`). Each handler only hands the message to the service. */
  @EventPattern([...FOLLOWED_EVENT_TYPES])
  follow(@Payload() event: FollowedEvent): Promise<void> {
    return this.orchestration.onEvent(event);
  }
}
