import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { TASK_STATUSES } from '@app/contracts';
import { parseInput } from './validation';
import { TasksService } from './tasks.service';

const createTaskSchema = z.object({
  title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  description: z.string().max(20_000, 'must be at most 20000 characters').default(''),
  repoPath: z.string().min(1).nullable().default(null),
  baseBranch: z.string().min(1).nullable().default(null),
});
const listSchema = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export const uuidParam = z.uuid('must be a UUID');

@Controller('api/tasks')
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown) {
    return this.tasks.create(parseInput(createTaskSchema, body ?? {}, 'body'));
  }

  @Get()
  async list(@Query() query: unknown) {
    const filter = parseInput(listSchema, query, 'query');
    const [items, total] = await this.tasks.list(filter);
    return { items, total, limit: filter.limit, offset: filter.offset };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    return this.tasks.get(parseInput(uuidParam, id, 'id'));
  }
}
