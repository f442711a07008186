import { Controller, Get, Param, Query } from '@nestjs/common';
import { StageDiffsService } from '../services/stage-diffs.service';
import { uuidParam } from './schemas/common.schemas';
import { diffQuerySchema, type StageDiffView } from './schemas/review.schemas';
import { parseInput } from './validation';

/** What a reviewer reads of a task: the change its stages made. */
@Controller('api/tasks')
export class ReviewController {
  constructor(private readonly diffs: StageDiffsService) {}

  @Get(':id/diff')
  diff(@Param('id') id: string, @Query() query: unknown): Promise<StageDiffView> {
    return this.diffs.latest(parseInput(uuidParam, id, 'id'), parseInput(diffQuerySchema, query, 'query').stage);
  }
}
