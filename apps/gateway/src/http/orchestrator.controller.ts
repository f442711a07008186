import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { uuidParam } from './tasks.controller';
import { parseInput } from './validation';
import { TasksService } from './tasks.service';

const startSchema = z.object({ taskId: z.uuid('must be a UUID') });

/** The seed's routes. */
@Controller('api/orchestrator')
export class OrchestratorController {
  constructor(private readonly tasks: TasksService) {}

  /** 202 at once: the board follows the events. */
  @Post('start')
  @HttpCode(202)
  async start(@Body() body: unknown) {
    const { taskId } = parseInput(startSchema, body ?? {}, 'body');
    const { orchestrationId } = await this.tasks.start(taskId);
    return { orchestrationId, taskId, currentStage: 'specification', status: 'accepted' };
  }

  @Get('stages/:taskId')
  stages(@Param('taskId') taskId: string) {
    return this.tasks.stages(parseInput(uuidParam, taskId, 'taskId'));
  }

  @Get('stage/:id')
  stage(@Param('id') id: string) {
    return this.tasks.stage(parseInput(uuidParam, id, 'id'));
  }
}
