import type { Subscription } from '@nats-io/transport-node';
import { validateMessage } from '@app/contracts';
import { logFacts, readEventLog, type LoggedEvent } from '@app/testing';
import { api, type BenchSystem } from '../bench-system';
import { distribution, percentile, type Distribution } from '../stats';

/**
 * Resolves each task's promise when it ends: `'task'` watches the task subjects for
 * OrchestrationCompleted (or failure) — the moment a task is done; `'scheduler'` watches the
 * one scheduler subject for its slot's release, a few ms later, so that watching 500 tasks
 * does not add every task event to the machine's load.
 */
class CompletionWatch {
  private readonly waiting = new Map<string, (at: number) => void>();
  private readonly subscription: Subscription;
  completed = 0;
  failed = 0;

  constructor(system: BenchSystem, on: 'task' | 'scheduler' = 'task') {
    const subject = on === 'task' ? system.client.subjects.allTasks : system.client.subjects.scheduler;
    this.subscription = system.client.connection.subscribe(subject, {
      callback: (_error, message) => {
        const validated = validateMessage(message.data);
        if (!validated.ok) return;
        const event = validated.message;
        let ok: boolean;
        if (event.type === 'OrchestrationCompleted' || event.type === 'OrchestrationFailed') ok = event.type === 'OrchestrationCompleted';
        else if (event.type === 'OrchestrationReleased' && event.data.outcome !== 'cancelled') ok = event.data.outcome === 'completed';
        else return;
        if (!this.waiting.has(event.data.taskId)) return;
        if (ok) this.completed += 1;
        else this.failed += 1;
        this.waiting.get(event.data.taskId)?.(performance.now());
        this.waiting.delete(event.data.taskId);
      },
    });
  }

  done(taskId: string): Promise<number> {
    return new Promise((resolve) => this.waiting.set(taskId, resolve));
  }

  stop(): void {
    this.subscription.unsubscribe();
  }
}

const createTasks = async (system: BenchSystem, count: number, label: string) => {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await api<{ id: string }>(system.baseUrl, 'POST', '/api/tasks', { title: `${label} ${i}` })).id);
  return ids;
};

export interface SingleTaskFigures {
  endToEnd: Distribution;
  /** StageCompleted stored → the next StageStarted stored */
  transition: Distribution;
  /** a task's way from the start request to done, step by step: the median gap before each event */
  steps: Array<{ step: string; who: string; median: number }>;
}

/** Who stores each event (so who the gap before it belongs to). */
const WRITERS: Partial<Record<string, string>> = {
  OrchestrationAdmitted: 'orchestrator (scheduler subject)',
  OrchestrationStarted: 'orchestrator',
  StageScheduled: 'orchestrator',
  StageStarted: 'runner: RunStage received, attempt claimed',
  StageCompleted: 'runner: workspace, agent CLI, outcome',
  LeaseGranted: 'pool-manager',
  LeaseReleased: 'pool-manager',
  OrchestrationCompleted: 'orchestrator',
  OrchestrationReleased: 'orchestrator (scheduler subject)',
};

const label = (event: LoggedEvent['event']) => {
  const stageType = (event.data as { stageType?: string }).stageType;
  return stageType === undefined ? event.type : `${event.type} (${stageType})`;
};

/** The median gap before each event of the tasks' paths, from the start request on. */
function stepsOf(taskIds: readonly string[], requestedAt: ReadonlyMap<string, number>, events: readonly LoggedEvent[]): SingleTaskFigures['steps'] {
  const gaps = new Map<string, { who: string; values: number[] }>();
  for (const taskId of taskIds) {
    const mine = events.filter((item) => (item.event.data as { taskId?: string }).taskId === taskId && item.event.type !== 'TaskCreated' && item.event.type !== 'RunHeartbeat');
    let previous = requestedAt.get(taskId);
    if (previous === undefined) continue;
    for (const item of mine) {
      const step = label(item.event);
      const entry = gaps.get(step) ?? { who: WRITERS[item.event.type] ?? '', values: [] };
      entry.values.push(item.storedAtMs - previous);
      gaps.set(step, entry);
      previous = item.storedAtMs;
    }
  }
  return [...gaps].map(([step, { who, values }]) => ({ step, who, median: percentile(values, 50) }));
}

/** One task at a time, from the start request to OrchestrationCompleted; transitions from the log. */
export async function measureSingleTasks(system: BenchSystem, count: number): Promise<SingleTaskFigures> {
  const watch = new CompletionWatch(system);
  const taskIds = await createTasks(system, count, 'Single');
  const endToEnd: number[] = [];
  const requestedAt = new Map<string, number>();
  for (const taskId of taskIds) {
    const done = watch.done(taskId);
    const started = performance.now();
    requestedAt.set(taskId, Date.now());
    await api(system.baseUrl, 'POST', '/api/orchestrator/start', { taskId });
    endToEnd.push((await done) - started);
  }
  watch.stop();
  const events = await readEventLog(system.client);
  const transition: number[] = [];
  for (const taskId of taskIds) {
    const mine = events.filter((item) => item.event.aggregateId === taskId);
    for (const [from, to] of [['specification', 'implementation'], ['implementation', 'qa']] as const) {
      const completed = mine.find((item) => item.event.type === 'StageCompleted' && item.event.data.stageType === from);
      const next = mine.find((item) => item.event.type === 'StageStarted' && item.event.data.stageType === to);
      if (completed && next) transition.push(next.storedAtMs - completed.storedAtMs);
    }
  }
  // the first task pays for cold caches and connections: left out, like its end-to-end time
  return { endToEnd: distribution(endToEnd.slice(1)), transition: distribution(transition), steps: stepsOf(taskIds.slice(1), requestedAt, events) };
}

export interface ThroughputFigures {
  tasks: number;
  seconds: number;
  tasksPerSecond: number;
  eventsPerSecond: number;
  maxRunning: number;
  failed: number;
}

/** `count` tasks started at once under the raised limit: tasks/s and events/s until the last is done. */
export async function measureThroughput(system: BenchSystem, count: number): Promise<ThroughputFigures> {
  const taskIds = await createTasks(system, count, 'Batch');
  const watch = new CompletionWatch(system, 'scheduler');
  const before = (await system.client.jsm.streams.info(system.client.subjects.eventsStream)).state.last_seq;
  const done = Promise.all(taskIds.map((taskId) => watch.done(taskId)));
  const started = performance.now();
  const queue = [...taskIds];
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let taskId = queue.shift(); taskId !== undefined; taskId = queue.shift()) {
        await api(system.baseUrl, 'POST', '/api/orchestrator/start', { taskId });
      }
    }),
  );
  const finished = Math.max(...(await done));
  watch.stop();
  const after = (await system.client.jsm.streams.info(system.client.subjects.eventsStream)).state.last_seq;
  const seconds = (finished - started) / 1000;
  const facts = logFacts(await readEventLog(system.client, system.client.subjects.scheduler));
  return { tasks: count, seconds, tasksPerSecond: count / seconds, eventsPerSecond: (after - before) / seconds, maxRunning: facts.maxRunning, failed: watch.failed };
}
