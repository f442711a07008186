import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { OrchestrationService } from '../services/orchestration.service';
import { TasksService } from '../services/tasks.service';
import { uuidParam } from './schemas/common.schemas';
import { countTasksSchema, createTaskSchema, listTasksSchema, raiseBudgetSchema, toTaskView, type ColumnCounts, type TaskPage, type TaskView } from './schemas/task.schemas';
import { parseInput } from './validation';

/** who a raise names until named API tokens (issue 18) put the token's name on the request */
const RAISED_BY = 'default';

@Controller('api/tasks')
export class TasksController {
  constructor(
    private readonly tasks: TasksService,
    private readonly orchestration: OrchestrationService,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown): Promise<TaskView> {
    return toTaskView(await this.tasks.create(parseInput(createTaskSchema, body ?? {}, 'body')));
  }

  @Get()
  async list(@Query() query: unknown): Promise<TaskPage> {
    const filter = parseInput(listTasksSchema, query, 'query');
    const page = await this.tasks.list(filter);
    return { items: page.items.map((row) => toTaskView(row.task, row.startedAt)), total: page.total, limit: filter.limit, offset: filter.offset, seq: page.seq };
  }

  /** How many tasks each board column holds; declared before `:id`, which it would match. */
  @Get('columns')
  countColumns(@Query() query: unknown): Promise<ColumnCounts> {
    return this.tasks.countColumns(parseInput(countTasksSchema, query, 'query').q);
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<TaskView> {
    const row = await this.tasks.view(parseInput(uuidParam, id, 'id'));
    return toTaskView(row.task, row.startedAt);
  }

  /** A new budget (US dollars) for the task; a task waiting for its budget goes on. 202: the orchestrator recorded it. */
  @Post(':id/budget')
  @HttpCode(202)
  async raiseBudget(@Param('id') id: string, @Body() body: unknown): Promise<{ taskId: string; budgetUsd: number }> {
    const taskId = parseInput(uuidParam, id, 'id');
    const { budgetUsd } = parseInput(raiseBudgetSchema, body ?? {}, 'body');
    await this.orchestration.raiseBudget(taskId, budgetUsd, RAISED_BY);
    return { taskId, budgetUsd };
  }

  /** Appends TaskDeleted; a queued or running task must be cancelled first (409). */
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.tasks.delete(parseInput(uuidParam, id, 'id'));
  }
}
