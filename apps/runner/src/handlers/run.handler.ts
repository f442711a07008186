import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { MessageOf } from '@app/contracts';
import { StageRunService } from '../services/stage-run.service';

@Controller()
export class RunHandler {
  constructor(private readonly runs: StageRunService) {}

  /** Acked once StageStarted is stored; the run itself goes on in the background. */
  @EventPattern('RunStage')
  run(@Payload() command: MessageOf<'RunStage'>): Promise<void> {
    return this.runs.accept(command);
  }
}
