import { Body, Controller, Get, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { OrchestrationService } from '../services/orchestration.service';
import { TasksService } from '../services/tasks.service';
import { uuidParam } from './schemas/common.schemas';
import {
  cancelRequestSchema,
  idempotencyKeySchema,
  startRequestSchema,
  toQueueEntry,
  type CancelReply,
  type QueueView,
  type RetryReply,
  type StartReply,
} from './schemas/orchestrator.schemas';
import { toStageView, type StageView } from './schemas/stage.schemas';
import { parseInput } from './validation';

/** The seed's routes, plus cancel and the queue. Commands answer 202: the board follows the events. */
@Controller('api/orchestrator')
export class OrchestratorController {
  constructor(
    private readonly orchestration: OrchestrationService,
    private readonly tasks: TasksService,
  ) {}

  @Post('start')
  @HttpCode(202)
  async start(@Body() body: unknown, @Headers('idempotency-key') idempotencyKey: unknown): Promise<StartReply> {
    const { taskId } = parseInput(startRequestSchema, body ?? {}, 'body');
    const key = parseInput(idempotencyKeySchema, idempotencyKey, 'Idempotency-Key');
    const { orchestrationId, admission } = await this.orchestration.start(taskId, key);
    return { orchestrationId, taskId, currentStage: 'specification', ...admission };
  }

  @Post('cancel/:taskId')
  @HttpCode(202)
  async cancel(@Param('taskId') taskId: string, @Body() body: unknown): Promise<CancelReply> {
    const id = parseInput(uuidParam, taskId, 'taskId');
    const { reason } = parseInput(cancelRequestSchema, body ?? {}, 'body');
    return { taskId: id, status: await this.orchestration.cancel(id, reason) };
  }

  @Get('queue')
  async queue(): Promise<QueueView> {
    const rows = await this.orchestration.queue();
    return { running: rows.running.map(toQueueEntry), queued: rows.queued.map(toQueueEntry), seq: rows.seq };
  }

  @Get('stages/:taskId')
  async stages(@Param('taskId') taskId: string): Promise<StageView[]> {
    return (await this.tasks.stages(parseInput(uuidParam, taskId, 'taskId'))).map(toStageView);
  }

  @Get('stage/:id')
  async stage(@Param('id') id: string): Promise<StageView> {
    return toStageView(await this.tasks.stage(parseInput(uuidParam, id, 'id')));
  }

  /** 409 with the reason unless the stage failed and its task failed or was cancelled. */
  @Post('stage/:id/retry')
  @HttpCode(202)
  async retry(@Param('id') id: string): Promise<RetryReply> {
    const stageId = parseInput(uuidParam, id, 'id');
    const { taskId, admission } = await this.orchestration.retry(stageId);
    return { stageId, taskId, ...admission };
  }
}
