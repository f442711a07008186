import { Controller, Get, Param, Query } from '@nestjs/common';
import { StageDiffsService } from '../services/stage-diffs.service';
import { TasksService } from '../services/tasks.service';
import { WebhookOutbox } from '../webhooks/webhook-outbox.service';
import { uuidParam } from './schemas/common.schemas';
import { diffQuerySchema, type StageDiffView } from './schemas/review.schemas';
import { toWebhookDeliveryView, type WebhookDeliveryView } from './schemas/webhook.schemas';
import { parseInput } from './validation';

/** What a reviewer reads of a task: the change its stages made, and whom the webhooks told. */
@Controller('api/tasks')
export class ReviewController {
  constructor(
    private readonly diffs: StageDiffsService,
    private readonly tasks: TasksService,
    private readonly outbox: WebhookOutbox,
  ) {}

  @Get(':id/diff')
  diff(@Param('id') id: string, @Query() query: unknown): Promise<StageDiffView> {
    return this.diffs.latest(parseInput(uuidParam, id, 'id'), parseInput(diffQuerySchema, query, 'query').stage);
  }

  /** The task's webhook deliveries, in the order of its events: delivered, pending (with its next attempt) or failed. */
  @Get(':id/webhooks')
  async webhooks(@Param('id') id: string): Promise<WebhookDeliveryView[]> {
    const taskId = parseInput(uuidParam, id, 'id');
    await this.tasks.get(taskId);
    return (await this.outbox.forTask(taskId)).map(toWebhookDeliveryView);
  }
}
