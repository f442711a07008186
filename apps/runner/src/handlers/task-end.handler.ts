import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { MessageOf } from '@app/contracts';
import { StageRunService } from '../services/stage-run.service';

/**
 * Task events that end a task, from the runners' durable consumer on the task subjects:
 * the task's agents stop and its workspace is removed (unless WORKSPACE_KEEP).
 */
@Controller()
export class TaskEndHandler {
  constructor(private readonly runs: StageRunService) {}

  @EventPattern('OrchestrationCompleted')
  completed(@Payload() event: MessageOf<'OrchestrationCompleted'>): Promise<void> {
    return this.runs.endTask(event.data.taskId, 'the orchestration completed');
  }

  @EventPattern('OrchestrationFailed')
  failed(@Payload() event: MessageOf<'OrchestrationFailed'>): Promise<void> {
    return this.runs.endTask(event.data.taskId, `the orchestration failed: ${event.data.reason}`);
  }

  @EventPattern('OrchestrationCancelled')
  cancelled(@Payload() event: MessageOf<'OrchestrationCancelled'>): Promise<void> {
    return this.runs.endTask(event.data.taskId, `the orchestration was cancelled: ${event.data.reason}`);
  }

  @EventPattern('TaskDeleted')
  deleted(@Payload() event: MessageOf<'TaskDeleted'>): Promise<void> {
    return this.runs.endTask(event.data.taskId, 'the task was deleted');
  }
}
