import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Actor } from '../auth/bearer.guard';
import { OrchestrationService } from '../services/orchestration.service';
import { TasksService } from '../services/tasks.service';
import { uuidParam } from './schemas/common.schemas';
import {
  countTasksSchema,
  createTaskSchema,
  decisionRequestSchema,
  followUpRequestSchema,
  listTasksSchema,
  raiseBudgetSchema,
  toTaskView,
  updateTaskSchema,
  type ColumnCounts,
  type DecisionReply,
  type FollowUpReply,
  type TaskPage,
  type TaskView,
} from './schemas/task.schemas';
import { parseInput } from './validation';

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
  async raiseBudget(@Param('id') id: string, @Body() body: unknown, @Actor() by: string): Promise<{ taskId: string; budgetUsd: number }> {
    const taskId = parseInput(uuidParam, id, 'id');
    const { budgetUsd } = parseInput(raiseBudgetSchema, body ?? {}, 'body');
    await this.orchestration.raiseBudget(taskId, budgetUsd, by);
    return { taskId, budgetUsd };
  }

  /** Another priority or other blockers for a task not started yet (409 once started; 400 naming a cycle). */
  @Patch(':id')
  async update(@Param('id') id: string, @Body() body: unknown): Promise<TaskView> {
    const taskId = parseInput(uuidParam, id, 'id');
    const row = await this.tasks.updateQueueSettings(taskId, parseInput(updateTaskSchema, body ?? {}, 'body'));
    return toTaskView(row);
  }

  /** A person's decision on a waiting task's revision: 202; 409 when it does not wait, or waits on another revision. */
  @Post(':id/decisions')
  @HttpCode(202)
  async decide(@Param('id') id: string, @Body() body: unknown, @Actor() by: string): Promise<DecisionReply> {
    const taskId = parseInput(uuidParam, id, 'id');
    const request = parseInput(decisionRequestSchema, body ?? {}, 'body');
    return { taskId, decision: request.decision, by, status: await this.orchestration.decide(taskId, { ...request, by }) };
  }

  /** One more change to a done or failed task: 202; 409 for a task in any other state. */
  @Post(':id/follow-ups')
  @HttpCode(202)
  async followUp(@Param('id') id: string, @Body() body: unknown, @Actor() by: string): Promise<FollowUpReply> {
    const taskId = parseInput(uuidParam, id, 'id');
    const { prompt } = parseInput(followUpRequestSchema, body ?? {}, 'body');
    return { taskId, by, status: await this.orchestration.followUp(taskId, prompt, by) };
  }

  /** Appends TaskDeleted; a queued or running task must be cancelled first (409). */
  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.tasks.delete(parseInput(uuidParam, id, 'id'));
  }
}
