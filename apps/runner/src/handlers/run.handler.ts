import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { MessageOf } from '@app/contracts';
import { PullRequestService } from '../services/pull-request.service';
import { StageRunService } from '../services/stage-run.service';

/** The runner's commands, from the work queue it shares with the other runners. */
@Controller()
export class RunHandler {
  constructor(
    private readonly runs: StageRunService,
    private readonly pullRequests: PullRequestService,
  ) {}

  /** Acked once StageStarted is stored; the run itself goes on in the background. */
  @EventPattern('RunStage')
  run(@Payload() command: MessageOf<'RunStage'>): Promise<void> {
    return this.runs.accept(command);
  }

  /** Acked once the attempt is closed on the log; the runner running it stops its agent. */
  @EventPattern('CancelRun')
  cancel(@Payload() command: MessageOf<'CancelRun'>): Promise<void> {
    return this.runs.cancel(command);
  }

  /** Acked once the approved task's pull request is open and TaskPullRequestOpened stored. */
  @EventPattern('OpenPullRequest')
  openPullRequest(@Payload() command: MessageOf<'OpenPullRequest'>): Promise<void> {
    return this.pullRequests.openApproved(command);
  }
}
