import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { MessageOf } from '@app/contracts';
import { StageRunService } from '../services/stage-run.service';

const WHY: Record<MessageOf<'OrchestrationReleased'>['data']['outcome'], string> = {
  completed: 'the orchestration completed',
  failed: 'the orchestration failed',
  cancelled: 'the orchestration was cancelled',
  withdrawn: 'the task was withdrawn',
  waiting: 'the task waits for a person',
};

/**
 * A task's end, as the scheduler records it when the task gives its slot back
 * (`OrchestrationReleased` follows every completed, failed or cancelled orchestration):
 * the task's agents stop and its workspace is removed (unless WORKSPACE_KEEP). Read from
 * the one scheduler subject, so the runners are not handed every event of every task.
 * (A task can only be deleted once it ended, so its workspace is gone by then.)
 */
@Controller()
export class TaskEndHandler {
  constructor(private readonly runs: StageRunService) {}

  @EventPattern('OrchestrationReleased')
  released(@Payload() event: MessageOf<'OrchestrationReleased'>): Promise<void> {
    // a waiting task comes back to its workspace (and its sessions) once the wait ends
    if (event.data.outcome === 'waiting') return this.runs.pauseTask(event.data.taskId, WHY.waiting);
    return this.runs.endTask(event.data.taskId, WHY[event.data.outcome]);
  }
}
