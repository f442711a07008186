import { StreamReader, validEvents, type NatsClient, type StoredEvent } from '@app/messaging';

/** A valid event of the log, with when the server stored it. */
export interface LoggedEvent extends StoredEvent {
  /** when the server stored it, milliseconds since the epoch (sub-millisecond precision) */
  storedAtMs: number;
}

/** Every valid event in a suite's ORCH_EVENTS (optionally below one subject filter, from one sequence on), in order. */
export async function readEventLog(client: NatsClient, filter: string = client.subjects.allEvents, fromSeq = 1): Promise<LoggedEvent[]> {
  const events: LoggedEvent[] = [];
  const stored = new StreamReader(client).range(client.subjects.eventsStream, { fromSeq, filter });
  for await (const { seq, subject, event, message } of validEvents(stored)) events.push({ seq, subject, event, storedAtMs: message.storedAtMs });
  return events;
}

export interface LogFacts {
  /** the most orchestrations admitted and not yet released at any point of the log */
  maxRunning: number;
  /** task ids in the order they were admitted (first admission only) */
  admissionOrder: string[];
  /** `stageId:attempt` → how many StageStarted events it has */
  startsPerAttempt: Map<string, number>;
  /** `stageId:attempt` → how many terminal events (completed, failed, timed out, cancelled) it has */
  terminalsPerAttempt: Map<string, number>;
  /** task id → its final orchestration event type */
  outcomes: Map<string, string>;
}

/** What the log says about the invariants: the limit, the order, one start and one end per attempt. */
export function logFacts(events: readonly LoggedEvent[]): LogFacts {
  const running = new Set<string>();
  const facts: LogFacts = { maxRunning: 0, admissionOrder: [], startsPerAttempt: new Map(), terminalsPerAttempt: new Map(), outcomes: new Map() };
  const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  for (const { event } of events) {
    switch (event.type) {
      case 'OrchestrationAdmitted':
        running.add(event.data.taskId);
        if (!facts.admissionOrder.includes(event.data.taskId)) facts.admissionOrder.push(event.data.taskId);
        facts.maxRunning = Math.max(facts.maxRunning, running.size);
        break;
      case 'OrchestrationReleased':
        running.delete(event.data.taskId);
        break;
      case 'StageStarted':
        bump(facts.startsPerAttempt, `${event.data.stageId}:${event.data.attempt}`);
        break;
      case 'StageCompleted':
      case 'StageFailed':
      case 'StageTimedOut':
      case 'StageCancelled':
        bump(facts.terminalsPerAttempt, `${event.data.stageId}:${event.data.attempt}`);
        break;
      case 'OrchestrationCompleted':
      case 'OrchestrationFailed':
      case 'OrchestrationCancelled':
        facts.outcomes.set(event.data.taskId, event.type);
        break;
      default:
        break;
    }
  }
  return facts;
}
