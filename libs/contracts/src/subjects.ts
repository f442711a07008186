import type { CommandType } from './messages';

/**
 * The subject of each command type, below `<root>.cmd.`. These are a public API: an
 * operator's `nats pub` and every deployed consumer depend on them.
 */
export const COMMAND_SUBJECTS = {
  StartOrchestration: 'orchestrator.start-orchestration',
  CancelOrchestration: 'orchestrator.cancel-orchestration',
  RetryStage: 'orchestrator.retry-stage',
  DecideApproval: 'orchestrator.decide-approval',
  RequestFollowUp: 'orchestrator.request-follow-up',
  RaiseTaskBudget: 'orchestrator.raise-task-budget',
  AcquireLease: 'pool.acquire-lease',
  RenewLease: 'pool.renew-lease',
  ReleaseLease: 'pool.release-lease',
  RunStage: 'runner.run-stage',
  CancelRun: 'runner.cancel-run',
  OpenPullRequest: 'runner.open-pull-request',
} as const satisfies Record<CommandType, string>;

/** The aggregate id of the admission log (see DESIGN.md, "Admission is serialised by the log"). */
export const SCHEDULER_AGGREGATE = 'scheduler';

/**
 * Subject and stream names, under a configurable root (default `orch`) and stream prefix,
 * so several deployments or test suites can share one NATS server unseen by each other.
 */
export class Subjects {
  constructor(
    readonly root: string = 'orch',
    readonly streamPrefix: string = '',
  ) {}

  get eventsStream(): string {
    return `${this.streamPrefix}ORCH_EVENTS`;
  }
  get commandsStream(): string {
    return `${this.streamPrefix}ORCH_COMMANDS`;
  }
  get logsStream(): string {
    return `${this.streamPrefix}ORCH_LOGS`;
  }
  get deadLettersStream(): string {
    return `${this.streamPrefix}ORCH_DLQ`;
  }
  /** runners' heartbeats: frequent and disposable, kept by age, apart from the event log */
  get heartbeatsStream(): string {
    return `${this.streamPrefix}ORCH_HEARTBEATS`;
  }
  /** snapshots of long-lived aggregates, the last one per subject */
  get snapshotsStream(): string {
    return `${this.streamPrefix}ORCH_SNAPSHOTS`;
  }

  /** `orch.evt.>` */
  get allEvents(): string {
    return `${this.root}.evt.>`;
  }
  /** `orch.cmd.>` */
  get allCommands(): string {
    return `${this.root}.cmd.>`;
  }
  /** `orch.log.>` */
  get allLogs(): string {
    return `${this.root}.log.>`;
  }
  /** `orch.dlq.>` */
  get allDeadLetters(): string {
    return `${this.root}.dlq.>`;
  }

  /** `orch.evt.task.<taskId>`: one task's whole history */
  task(taskId: string): string {
    return `${this.root}.evt.task.${taskId}`;
  }
  /** `orch.evt.task.*` */
  get allTasks(): string {
    return `${this.root}.evt.task.*`;
  }
  /** `orch.evt.project.<projectId>`: one project's history */
  project(projectId: string): string {
    return `${this.root}.evt.project.${projectId}`;
  }
  /** `orch.evt.project.*` */
  get allProjects(): string {
    return `${this.root}.evt.project.*`;
  }
  /** `orch.evt.scheduler`: every admission decision, in order */
  get scheduler(): string {
    return `${this.root}.evt.${SCHEDULER_AGGREGATE}`;
  }
  /** `orch.evt.pool.*`: every pool's leases and slots (not their status reports) */
  get allPools(): string {
    return `${this.root}.evt.pool.*`;
  }
  /**
   * `orch.hb.*`. A public API: it was `orch.evt.heartbeat.*` (inside the event log, which it
   * grew without bound) until issue 14 moved heartbeats to their own stream.
   */
  get allHeartbeats(): string {
    return `${this.root}.hb.*`;
  }
  /** `orch.evt.pool.<poolId>` */
  pool(poolId: string): string {
    return `${this.root}.evt.pool.${poolId}`;
  }
  /** `orch.evt.pool.<poolId>.status`: the pool's latest `PoolStatusReported`, kept off the pool subject so reports never race its appends */
  poolStatus(poolId: string): string {
    return `${this.root}.evt.pool.${poolId}.status`;
  }
  /**
   * `orch.hb.<taskId>` (stream ORCH_HEARTBEATS): kept off the task subject so heartbeats never
   * race its appends, and out of ORCH_EVENTS so they never grow it. Was `orch.evt.heartbeat.<taskId>`.
   */
  heartbeat(taskId: string): string {
    return `${this.root}.hb.${taskId}`;
  }
  /** `orch.cmd.<target>.<command>` */
  command(type: CommandType): string {
    return `${this.root}.cmd.${COMMAND_SUBJECTS[type]}`;
  }
  /** `orch.cmd.<target>.>`: what one app consumes */
  commandsFor(target: 'orchestrator' | 'pool' | 'runner'): string {
    return `${this.root}.cmd.${target}.>`;
  }
  /** `orch.log.<taskId>.<stageId>` */
  log(taskId: string, stageId: string): string {
    return `${this.root}.log.${taskId}.${stageId}`;
  }
  /** `orch.snap.>` */
  get allSnapshots(): string {
    return `${this.root}.snap.>`;
  }
  /** `orch.snap.<name>`: the last snapshot of one aggregate */
  snapshot(name: string): string {
    return `${this.root}.snap.${name}`;
  }
  /** `orch.dlq.<consumer>` */
  deadLetter(consumer: string): string {
    return `${this.root}.dlq.${consumer}`;
  }

  /** The aggregate subject an event is appended to. */
  eventSubject(aggregateId: string, type: string): string {
    if (aggregateId === SCHEDULER_AGGREGATE) return this.scheduler;
    if (type === 'RunHeartbeat') return this.heartbeat(aggregateId);
    if (type === 'PoolStatusReported') return this.poolStatus(aggregateId);
    if (isPoolEventType(type)) return this.pool(aggregateId);
    if (isProjectEventType(type)) return this.project(aggregateId);
    return this.task(aggregateId);
  }
}

/** The events on a pool's own subject, `<root>.evt.pool.<poolId>` (its status reports have a subject of their own). */
export const POOL_EVENT_TYPES = [
  'PoolSlotReady',
  'PoolSlotDown',
  'PoolSlotRemoved',
  'LeaseQueued',
  'LeaseGranted',
  'LeaseRenewed',
  'LeaseReleased',
  'LeaseExpired',
  'LeaseRevoked',
  'LeaseRequestRejected',
] as const;
export type PoolEventType = (typeof POOL_EVENT_TYPES)[number];

const POOL_EVENT_TYPE_SET: ReadonlySet<string> = new Set(POOL_EVENT_TYPES);

export function isPoolEventType(type: string): type is PoolEventType {
  return POOL_EVENT_TYPE_SET.has(type);
}

/** An event of a pool's subject (narrows a union of messages to those types). */
export function isPoolEvent<E extends { type: string }>(event: E): event is Extract<E, { type: PoolEventType }> {
  return isPoolEventType(event.type);
}

/** The events on a project's own subject, `<root>.evt.project.<projectId>`. */
export const PROJECT_EVENT_TYPES = ['ProjectCreated', 'ProjectUpdated', 'ProjectDeleted'] as const;
export type ProjectEventType = (typeof PROJECT_EVENT_TYPES)[number];

const PROJECT_EVENT_TYPE_SET: ReadonlySet<string> = new Set(PROJECT_EVENT_TYPES);

export function isProjectEventType(type: string): type is ProjectEventType {
  return PROJECT_EVENT_TYPE_SET.has(type);
}

/** An event of a project's subject (narrows a union of messages to those types). */
export function isProjectEvent<E extends { type: string }>(event: E): event is Extract<E, { type: ProjectEventType }> {
  return isProjectEventType(event.type);
}
