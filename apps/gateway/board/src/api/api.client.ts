import { ApiError, toApiError } from './api.error';
import type {
  BoardColumn,
  ColumnCounts,
  CreateTaskRequest,
  DecisionRequest,
  PoolView,
  ProjectView,
  StageDiffView,
  StageView,
  TaskPage,
  TaskView,
  WaitingFor,
  WebhookDeliveryView,
} from './api.types';
import type { MetricsSnapshot } from '../contracts';

/** the cards of a column the board reads at a time */
export const COLUMN_PAGE_SIZE = 50;

/** The gateway's REST API, as the page uses it: JSON, with the bearer token when there is one. */
export class ApiClient {
  constructor(
    private readonly token: string | null,
    private readonly baseUrl = '',
  ) {}

  /** One page of a board column, in the column's order. */
  listColumn(column: BoardColumn, offset = 0, limit = COLUMN_PAGE_SIZE): Promise<TaskPage> {
    return this.request<TaskPage>('GET', `/api/tasks?column=${column}&limit=${limit}&offset=${offset}`);
  }

  columnCounts(): Promise<ColumnCounts> {
    return this.request<ColumnCounts>('GET', '/api/tasks/columns');
  }

  getTask(taskId: string): Promise<TaskView> {
    return this.request<TaskView>('GET', `/api/tasks/${encodeURIComponent(taskId)}`);
  }

  createTask(request: CreateTaskRequest): Promise<TaskView> {
    return this.request<TaskView>('POST', '/api/tasks', request);
  }

  projects(): Promise<ProjectView[]> {
    return this.request<ProjectView[]>('GET', '/api/projects');
  }

  stages(taskId: string): Promise<StageView[]> {
    return this.request<StageView[]>('GET', `/api/orchestrator/stages/${encodeURIComponent(taskId)}`);
  }

  start(taskId: string): Promise<unknown> {
    return this.request('POST', '/api/orchestrator/start', { taskId });
  }

  cancel(taskId: string): Promise<unknown> {
    return this.request('POST', `/api/orchestrator/cancel/${encodeURIComponent(taskId)}`, {});
  }

  retryStage(stageId: string): Promise<unknown> {
    return this.request('POST', `/api/orchestrator/stage/${encodeURIComponent(stageId)}/retry`);
  }

  /** The diff of the stage's latest completed run; 404 (ApiError) while none is recorded. */
  diff(taskId: string, stage: StageView['stageType']): Promise<StageDiffView> {
    return this.request<StageDiffView>('GET', `/api/tasks/${encodeURIComponent(taskId)}/diff?stage=${stage}`);
  }

  /** What the task waits for, when it waits (the field the approval API adds to a task). */
  async waitingFor(taskId: string): Promise<WaitingFor | null> {
    const task = await this.request<TaskView & { waitingFor?: WaitingFor | null }>('GET', `/api/tasks/${encodeURIComponent(taskId)}`);
    return task.waitingFor ?? null;
  }

  decide(taskId: string, decision: DecisionRequest): Promise<unknown> {
    return this.request('POST', `/api/tasks/${encodeURIComponent(taskId)}/decisions`, decision);
  }

  webhooks(taskId: string): Promise<WebhookDeliveryView[]> {
    return this.request<WebhookDeliveryView[]>('GET', `/api/tasks/${encodeURIComponent(taskId)}/webhooks`);
  }

  pool(): Promise<PoolView> {
    return this.request<PoolView>('GET', '/api/pool');
  }

  metrics(): Promise<MetricsSnapshot> {
    return this.request<MetricsSnapshot>('GET', '/api/metrics');
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token !== null) headers['authorization'] = `Bearer ${this.token}`;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    } catch (error) {
      throw new ApiError(0, `the gateway did not answer (${(error as Error).message})`);
    }
    const text = await response.text();
    const parsed: unknown = text === '' ? null : safeJson(text);
    if (!response.ok) throw toApiError(response.status, response.statusText, parsed);
    return parsed as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
