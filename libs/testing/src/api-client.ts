import type { NatsClient } from '@app/messaging';
import { readEventLog } from './event-log';
import { EventTail } from './event-tail';

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/** A small client of the gateway's REST API for end-to-end tests. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | null = null,
  ) {}

  async request<T = Record<string, unknown>>(method: string, route: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer<T>> {
    const response = await fetch(`${this.baseUrl}${route}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token === null ? {} : { authorization: `Bearer ${this.token}` }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
  }

  /** Creates a task (its description carries the fake CLI's `[[fake:…]]` modes) and returns its id. */
  async createTask(title: string, description: string, extra: Record<string, unknown> = {}): Promise<string> {
    const created = await this.request<{ id: string }>('POST', '/api/tasks', { title, description, ...extra });
    if (created.status !== 201) throw new Error(`POST /api/tasks answered ${created.status}: ${JSON.stringify(created.body)}`);
    return created.body.id;
  }

  /** Starts a task (the gateway waits for a just-created task the read model does not show yet: no 404). */
  start(taskId: string): Promise<ApiAnswer<Record<string, unknown>>> {
    return this.request('POST', '/api/orchestrator/start', { taskId });
  }

  /** Creates `count` tasks with `description` and starts each; returns their ids in start order. */
  async createAndStart(count: number, prefix: string, description: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) ids.push(await this.createTask(`${prefix} ${i}`, description));
    for (const taskId of ids) {
      const started = await this.start(taskId);
      if (started.status !== 202) throw new Error(`start of ${taskId} answered ${started.status}: ${JSON.stringify(started.body)}`);
    }
    return ids;
  }
}

const TERMINAL = new Set(['OrchestrationCompleted', 'OrchestrationFailed', 'OrchestrationCancelled']);

/**
 * Resolves once every task has a terminal orchestration event in the log (reading it
 * incrementally every `pollMs`, tolerating a log that cannot be read for a while, e.g.
 * while NATS restarts); returns when, in ms since the epoch.
 */
export async function allTerminal(client: NatsClient, taskIds: readonly string[], timeoutMs: number, pollMs = 500): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const waiting = new Set(taskIds);
  const tail = new EventTail(client, client.subjects.allTasks);
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      for (const { event } of await tail.poll()) if (TERMINAL.has(event.type)) waiting.delete(event.aggregateId);
      if (waiting.size === 0) return Date.now();
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  const stuck = await Promise.all(
    [...waiting].slice(0, 3).map(async (taskId) => {
      const history = await readEventLog(client, client.subjects.task(taskId)).catch(() => []);
      return `${taskId}: ${history.map(({ event }) => event.type).join(' → ')}`;
    }),
  );
  throw new Error(`timed out after ${timeoutMs} ms: ${waiting.size} of ${taskIds.length} tasks not terminal${lastError ? ` (last error: ${lastError})` : ''}\n${stuck.join('\n')}`);
}
