import { newMessage, uuidv7, type OrchEvent } from '@app/contracts';
import { readEventLog, type AppName, type LoggedEvent } from '@app/testing';
import { api, rssMiB, type BenchSystem } from '../bench-system';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
/** publishes in flight before the writer waits for the server's acknowledgements */
const PUBLISH_WINDOW = 2_000;
/** ms a publish waits for the server's acknowledgement: a window of them on a loaded machine takes longer than the client's 5 s default */
const PUBLISH_TIMEOUT_MS = 60_000;

export interface HistoryWritten {
  finishedTasks: number;
  idleTasks: number;
  /** events appended by the writer */
  events: number;
  /** ORCH_EVENTS' last sequence after the writing */
  logEvents: number;
  writeSeconds: number;
  /** from the end of the writing until the gateway's projection had applied it all */
  projectedSeconds: number;
}

/**
 * A history written straight into ORCH_EVENTS, fast: `finishedTasks` copies of the events a
 * real finished task left in the log (its task subject, its admission and release on the
 * scheduler subject, its lease on the pool's), every id in them replaced by a fresh one, each
 * copy after the other so the scheduler's and the pool's folds see each slot taken and freed
 * in order; and `idleTasks` tasks that were created and never started. The gateway projects
 * it live; this waits for that.
 */
export async function writeHistory(system: BenchSystem, finishedTasks: number, idleTasks: number): Promise<HistoryWritten> {
  const log = await readEventLog(system.client);
  const [template, other] = log.filter((entry) => entry.event.type === 'OrchestrationCompleted').map((entry) => eventsOf(log, (entry.event.data as { taskId: string }).taskId));
  if (!template || !other) throw new Error('the history needs two finished tasks in the log to copy');
  // ids every task's events share (the pool's, the scheduler's) stay as they are
  const shared = new Set([...idsIn(template)].filter((id) => idsIn(other).has(id)));
  const started = performance.now();
  let pending: Array<Promise<unknown>> = [];
  let events = 0;
  const publish = async (subject: string, payload: string, msgID: string): Promise<void> => {
    pending.push(system.client.js.publish(subject, payload, { msgID, timeout: PUBLISH_TIMEOUT_MS }));
    events += 1;
    if (pending.length >= PUBLISH_WINDOW) {
      await Promise.all(pending);
      pending = [];
    }
  };
  for (let copy = 0; copy < finishedTasks; copy += 1) {
    const fresh = new Map<string, string>();
    const remap = (text: string) => text.replace(UUID, (id) => (shared.has(id) ? id : (fresh.get(id) ?? fresh.set(id, uuidv7()).get(id) ?? id)));
    for (const entry of template) {
      const payload = remap(JSON.stringify(entry.event));
      await publish(remap(entry.subject), payload, (JSON.parse(payload) as OrchEvent).id);
    }
  }
  for (let idle = 0; idle < idleTasks; idle += 1) {
    const taskId = uuidv7();
    const event = newMessage('TaskCreated', taskId, { taskId, title: `History idle ${idle}`, description: '', repoPath: null, baseBranch: null }, { producer: 'bench', occurredAt: new Date().toISOString() });
    await publish(system.client.subjects.task(taskId), JSON.stringify(event), event.id);
  }
  await Promise.all(pending);
  const writeSeconds = (performance.now() - started) / 1000;
  const logEvents = (await system.client.jsm.streams.info(system.client.subjects.eventsStream)).state.last_seq;
  const projecting = performance.now();
  await projectedUpTo(system.baseUrl, logEvents);
  return { finishedTasks, idleTasks, events, logEvents, writeSeconds, projectedSeconds: (performance.now() - projecting) / 1000 };
}

/** A task's events, as the log holds them: its own subject and every other subject's events that name it (not the disposable status reports). */
function eventsOf(log: readonly LoggedEvent[], taskId: string): LoggedEvent[] {
  return log.filter((entry) => !entry.subject.endsWith('.status') && !entry.subject.includes('.heartbeat.') && JSON.stringify(entry.event).includes(taskId));
}

const idsIn = (events: readonly LoggedEvent[]): Set<string> => new Set(events.flatMap((entry) => [...`${entry.subject} ${JSON.stringify(entry.event)}`.matchAll(UUID)].map((match) => match[0])));

async function projectedUpTo(baseUrl: string, seq: number): Promise<void> {
  for (;;) {
    const health = (await (await fetch(`${baseUrl}/health`)).json()) as { projection?: { lastApplied?: number } };
    if ((health.projection?.lastApplied ?? 0) >= seq) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface StartupFigures {
  /** ORCH_EVENTS' last sequence when the apps were started */
  logEvents: number;
  /** milliseconds from starting the orchestrator until it admitted a task waiting to start */
  orchestratorMs: number;
  /** milliseconds from starting the pool-manager until it granted that task's first lease */
  poolManagerMs: number;
  /** resident set size a second after the admission, MiB */
  rss: Record<'orchestrator' | 'pool-manager', number>;
}

/**
 * Start-up over the log as it is: a task is created, the orchestrator and the pool-manager are
 * stopped and started again, and its start is requested at once; the times run from their
 * start until the task's admission and its first lease are stored.
 */
export async function measureStartup(system: BenchSystem): Promise<StartupFigures> {
  const { id: taskId } = await api<{ id: string }>(system.baseUrl, 'POST', '/api/tasks', { title: 'After a restart' });
  const logEvents = (await system.client.jsm.streams.info(system.client.subjects.eventsStream)).state.last_seq;
  const seen = new Map<string, number>();
  const subscription = system.client.connection.subscribe(system.client.subjects.allEvents, {
    callback: (_error, message) => {
      const text = message.string();
      if (!text.includes(taskId)) return;
      const type = (JSON.parse(text) as { type: string }).type;
      if (!seen.has(type)) seen.set(type, performance.now());
    },
  });
  try {
    const stopping = (['orchestrator', 'pool-manager'] as const).map((app) => system.apps[app].kill('SIGTERM'));
    await Promise.all(stopping);
    const started = performance.now();
    await Promise.all((['orchestrator', 'pool-manager'] as const).map((app) => system.restart(app)));
    await api(system.baseUrl, 'POST', '/api/orchestrator/start', { taskId });
    const deadline = started + 120_000;
    while (!(seen.has('OrchestrationAdmitted') && seen.has('LeaseGranted'))) {
      if (performance.now() > deadline) throw new Error(`after a restart over ${logEvents} events, no admission and lease within 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const rssOf = (app: AppName) => rssMiB(system.apps[app].child.pid);
    return {
      logEvents,
      orchestratorMs: (seen.get('OrchestrationAdmitted') ?? Number.NaN) - started,
      poolManagerMs: (seen.get('LeaseGranted') ?? Number.NaN) - started,
      rss: { orchestrator: await rssOf('orchestrator'), 'pool-manager': await rssOf('pool-manager') },
    };
  } finally {
    subscription.unsubscribe();
  }
}
