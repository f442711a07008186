/** A field of a request and what is wrong with it. */
export interface FieldProblem {
  /** `title`, `query.limit`, `id`, `body`, `authorization` */
  field: string;
  problem: string;
}

/** Every refusal the gateway explains to its caller; the error filter maps each kind to a status. */
export abstract class GatewayError extends Error {
  constructor(
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Malformed input: wrong types, missing fields, bad ids, unparsable JSON. */
export class InvalidInput extends GatewayError {}

/** The request body is larger than the gateway accepts. */
export class PayloadTooLarge extends GatewayError {
  constructor(limitBytes: number) {
    super(`request body is larger than ${limitBytes} bytes`, [{ field: 'body', problem: `must be at most ${limitBytes} bytes` }]);
  }
}

/** No or a wrong bearer token while API_TOKEN is set. */
export class Unauthorized extends GatewayError {
  constructor(problem: string) {
    super(`authentication required: ${problem}`, [{ field: 'authorization', problem }]);
  }
}

/** A browser request from a page of another origin (CORS_ORIGINS): a web page the operator visits may not drive the board. */
export class ForeignOrigin extends GatewayError {
  constructor(origin: string) {
    super(`requests from origin ${origin} are refused (not this gateway's origin nor in CORS_ORIGINS)`, [{ field: 'origin', problem: `${origin} is not allowed` }]);
  }
}

/** A mutating request whose body is not JSON: forms and text/plain are what a foreign page can send without CORS asking first. */
export class UnsupportedBody extends GatewayError {
  constructor(contentType: string) {
    super(`request bodies must be application/json, not ${contentType}`, [{ field: 'content-type', problem: `${contentType} is refused; send application/json` }]);
  }
}

/** An id that names nothing. */
export class NotFoundError extends GatewayError {
  constructor(what: 'task' | 'stage' | 'project', id: string, field: string) {
    super(`${what} ${id} does not exist`, [{ field, problem: `no ${what} with this id` }]);
  }
}

/** The task's stage has no completed run with a recorded diff (not run yet, or a scratch directory). */
export class DiffNotRecorded extends GatewayError {
  constructor(taskId: string, stage: string) {
    super(`task ${taskId} has no recorded diff of its ${stage} stage (not completed yet, or not in a repository)`, [{ field: 'stage', problem: 'no diff recorded' }]);
  }
}

/** The request is well formed but the thing it names is in the wrong state for it. */
export abstract class ConflictError extends GatewayError {}

export class TaskNotStartable extends ConflictError {}
export class TaskNotCancellable extends ConflictError {}
export class TaskNotDeletable extends ConflictError {}
/** A started task's priority and blockers are the scheduler's. */
export class TaskQueueSettingsFixed extends ConflictError {}
export class StageNotRetryable extends ConflictError {}
/** A decision on a task that does not wait for one, or on a revision it does not wait on (stale). */
export class DecisionRefused extends ConflictError {}
export class FollowUpRefused extends ConflictError {}

/** The orchestrator decided against the command (OrchestrationRejected), with its reason. */
export class CommandRefused extends ConflictError {}

/** The task changed between the check and the write; reading it again and retrying may succeed. */
export class ConcurrentChange extends ConflictError {}

/** ORCHESTRATOR_ENABLED=false: new orchestrations are refused while work in flight goes on. */
export class OrchestrationDisabled extends GatewayError {
  constructor() {
    super('orchestration is disabled (ORCHESTRATOR_ENABLED=false): running work goes on, new starts and retries are refused', [
      { field: 'ORCHESTRATOR_ENABLED', problem: 'is false' },
    ]);
  }
}

/** A dependency (NATS, Postgres) does not answer. */
export class DependencyUnavailable extends GatewayError {
  constructor(
    message: string,
    /** what the caller may want to see, e.g. the health report */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
