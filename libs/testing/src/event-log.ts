import { DeliverPolicy } from '@nats-io/jetstream';
import { validateEvent, type OrchEvent } from '@app/contracts';
import type { NatsClient } from '@app/messaging';

export interface LoggedEvent {
  seq: number;
  subject: string;
  event: OrchEvent;
  /** when the server stored it, milliseconds since the epoch (sub-millisecond precision) */
  storedAtMs: number;
}

/** Every valid event in a suite's ORCH_EVENTS (optionally below one subject filter, from one sequence on), in order. */
export async function readEventLog(client: NatsClient, filter: string = client.subjects.allEvents, fromSeq = 1): Promise<LoggedEvent[]> {
  const info = await client.jsm.streams.info(client.subjects.eventsStream);
  const last = info.state.last_seq;
  if (info.state.messages === 0 || last < fromSeq) return [];
  const from = fromSeq > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq } : { deliver_policy: DeliverPolicy.All };
  const consumer = await client.js.consumers.get(client.subjects.eventsStream, { filter_subjects: filter, ...from });
  const events: LoggedEvent[] = [];
  const pendingAtStart = (await consumer.info(false)).num_pending;
  if (pendingAtStart === 0) return [];
  const messages = await consumer.consume({ max_messages: 512 });
  try {
    for await (const message of messages) {
      const validated = validateEvent(message.data);
      if (validated.ok) events.push({ seq: message.seq, subject: message.subject, event: validated.event, storedAtMs: Number(message.timestampNanos) / 1e6 });
      if (message.seq >= last || message.info.pending === 0) break;
    }
  } finally {
    messages.stop();
  }
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
