import {
  causedMessage,
  deterministicId,
  newMessage,
  type Envelope,
  type MessageData,
  type MessageType,
  type StageType,
} from '@app/contracts';

const AT = '2026-11-24T10:00:00.000Z';
const origin = { producer: 'factory', occurredAt: AT };

/** Stable ids for fixtures: `ids.task(1)` is the same UUID in every test. */
export const ids = {
  task: (n = 1) => deterministicId('factory-task', n),
  orchestration: (n = 1) => deterministicId('factory-orchestration', n),
  stage: (type: StageType = 'specification', round = 0, task = 1) => deterministicId('factory-stage', task, type, round),
  lease: (n = 1) => deterministicId('factory-lease', n),
  command: (n = 1) => deterministicId('factory-command', n),
};

function message<T extends MessageType>(type: T, aggregateId: string, data: MessageData<T>, id?: string, occurredAt = AT): Envelope<T> {
  return newMessage(type, aggregateId, data, { ...origin, occurredAt, id: id ?? deterministicId('factory', type, JSON.stringify(data), ...(occurredAt === AT ? [] : [occurredAt])) });
}

type Partial2<T> = { [K in keyof T]?: T[K] };

const stageRef = (overrides: { task?: number; stageType?: StageType; round?: number; attempt?: number } = {}) => {
  const stageType = overrides.stageType ?? 'specification';
  return {
    taskId: ids.task(overrides.task),
    orchestrationId: ids.orchestration(overrides.task),
    stageId: ids.stage(stageType, overrides.round ?? 0, overrides.task),
    stageType,
    attempt: overrides.attempt ?? 1,
  };
};

const lease = (n = 1) => ({ leaseId: ids.lease(n), poolId: 'default', slot: n - 1, port: 8080 + n, containerId: `local-${n - 1}` });

const result = {
  isError: false,
  subtype: 'success',
  totalCostUsd: 0.01,
  usage: { inputTokens: 10, outputTokens: 20, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
  numTurns: 2,
  sessionId: 'session-1',
  durationMs: 1200,
  permissionDenials: [],
};

/**
 * Messages with sensible defaults, for given/when/then tests:
 * `factory.stageCompleted({ stageType: 'qa' }, { verdict: { verdict: 'fail', findings: ['x'] } })`.
 */
export const factory = {
  ids,
  lease,
  taskCreated: (task = 1, data: Partial2<MessageData<'TaskCreated'>> = {}) =>
    message('TaskCreated', ids.task(task), { taskId: ids.task(task), title: `Task ${task}`, description: 'Do it', repoPath: null, baseBranch: null, ...data }),
  startOrchestration: (task = 1, commandNumber = task) =>
    message('StartOrchestration', ids.task(task), { taskId: ids.task(task) }, ids.command(commandNumber)),
  cancelOrchestration: (task = 1, reason = 'no longer needed') =>
    message('CancelOrchestration', ids.task(task), { taskId: ids.task(task), reason }),
  retryStage: (task = 1, stageType: StageType = 'specification', round = 0) =>
    message('RetryStage', ids.task(task), { taskId: ids.task(task), stageId: ids.stage(stageType, round, task) }),
  orchestrationStarted: (task = 1) =>
    message('OrchestrationStarted', ids.task(task), { taskId: ids.task(task), orchestrationId: ids.orchestration(task) }),
  orchestrationAdmitted: (task = 1, data: Partial2<MessageData<'OrchestrationAdmitted'>> = {}) =>
    message('OrchestrationAdmitted', 'scheduler', { taskId: ids.task(task), orchestrationId: ids.orchestration(task), ...data }),
  /** `occurredAt`: when it was queued (a queued task's priority ages from it) */
  orchestrationQueued: (task = 1, position = 1, data: Partial2<MessageData<'OrchestrationQueued'>> = {}, occurredAt = AT) =>
    message('OrchestrationQueued', 'scheduler', { taskId: ids.task(task), orchestrationId: ids.orchestration(task), position, ...data }, undefined, occurredAt),
  orchestrationUnblocked: (task = 1, blocker = 2) =>
    message('OrchestrationUnblocked', 'scheduler', { taskId: ids.task(task), orchestrationId: ids.orchestration(task), blockerId: ids.task(blocker) }),
  credentialPaused: (until: string, credential = 'default', task = 1, occurredAt = AT) =>
    message('CredentialPaused', 'scheduler', { credential, until, taskId: ids.task(task), limit: 'rate-limit' as const }, undefined, occurredAt),
  taskQueueSettingsChanged: (task = 1, data: Partial2<MessageData<'TaskQueueSettingsChanged'>> = {}) =>
    message('TaskQueueSettingsChanged', ids.task(task), { taskId: ids.task(task), priority: 5, blockedBy: [], ...data }),
  taskPullRequestClosed: (task = 1, state: 'merged' | 'closed' = 'merged') =>
    message('TaskPullRequestClosed', ids.task(task), { taskId: ids.task(task), url: `https://github.com/acme/shop/pull/${task}`, number: task, state, observedAt: AT }),
  orchestrationReleased: (task = 1, outcome: MessageData<'OrchestrationReleased'>['outcome'] = 'completed') =>
    message('OrchestrationReleased', 'scheduler', { taskId: ids.task(task), orchestrationId: ids.orchestration(task), outcome }),
  orchestrationCompleted: (task = 1) =>
    message('OrchestrationCompleted', ids.task(task), { taskId: ids.task(task), orchestrationId: ids.orchestration(task), completedAt: AT }),
  stageScheduled: (ref: Parameters<typeof stageRef>[0] = {}, data: Partial2<MessageData<'StageScheduled'>> = {}) =>
    message('StageScheduled', ids.task(ref.task), {
      ...stageRef(ref),
      round: ref.round ?? 0,
      context: { taskTitle: `Task ${ref.task ?? 1}`, taskDescription: 'Do it' },
      ...data,
    }),
  stageStarted: (ref: Parameters<typeof stageRef>[0] = {}, data: Partial2<MessageData<'StageStarted'>> = {}) =>
    message('StageStarted', ids.task(ref.task), {
      ...stageRef(ref),
      runnerId: 'runner-1',
      executor: 'claude-code',
      model: null,
      lease: lease(),
      startedAt: AT,
      deadlineAt: '2026-11-24T10:30:00.000Z',
      ...data,
    }),
  stageCompleted: (ref: Parameters<typeof stageRef>[0] = {}, data: Partial2<MessageData<'StageCompleted'>> = {}) =>
    message('StageCompleted', ids.task(ref.task), {
      ...stageRef(ref),
      output: `${ref.stageType ?? 'specification'} output`,
      result,
      diffStat: null,
      verdict: (ref.stageType ?? 'specification') === 'qa' ? { verdict: 'pass', findings: [] } : null,
      completedAt: AT,
      ...data,
    }),
  stageFailed: (ref: Parameters<typeof stageRef>[0] = {}, data: Partial2<MessageData<'StageFailed'>> = {}) =>
    message('StageFailed', ids.task(ref.task), {
      ...stageRef(ref),
      reason: 'the Claude CLI exited with code 1',
      retryable: true,
      exitCode: 1,
      result: null,
      failedAt: AT,
      ...data,
    }),
  stageParked: (ref: Parameters<typeof stageRef>[0] = {}, data: Partial2<MessageData<'StageParked'>> = {}) =>
    message('StageParked', ids.task(ref.task), {
      ...stageRef(ref),
      limit: 'rate-limit',
      reason: "the model API rate-limited the credential (HTTP 429) after the CLI's own retries: API Error: Request rejected (429)",
      credential: 'default',
      resetAt: null,
      result: null,
      parkedAt: AT,
      ...data,
    }),
  stageTimedOut: (ref: Parameters<typeof stageRef>[0] = {}) =>
    message('StageTimedOut', ids.task(ref.task), { ...stageRef(ref), deadlineAt: AT, timedOutAt: AT, cause: 'deadline', reason: `timed out at ${AT}` }),
  leaseGranted: (ref: Parameters<typeof stageRef>[0] = {}, n = 1) =>
    message('LeaseGranted', 'default', {
      ...lease(n),
      taskId: ids.task(ref.task),
      stageId: stageRef(ref).stageId,
      attempt: ref.attempt ?? 1,
      expiresAt: '2026-11-24T10:02:00.000Z',
    }),
  leaseRevoked: (ref: Parameters<typeof stageRef>[0] = {}, n = 1) =>
    message('LeaseRevoked', 'default', { ...lease(n), taskId: ids.task(ref.task), stageId: stageRef(ref).stageId, reason: 'container exited' }),
  stageCancelled: (ref: Parameters<typeof stageRef>[0] = {}, reason = 'no longer needed') =>
    message('StageCancelled', ids.task(ref.task), { ...stageRef(ref), reason, cancelledAt: AT }),
  orchestrationFailed: (task = 1, reason = 'specification failed') =>
    message('OrchestrationFailed', ids.task(task), { taskId: ids.task(task), orchestrationId: ids.orchestration(task), reason, failedAt: AT }),
  orchestrationCancelled: (task = 1, reason = 'no longer needed') =>
    message('OrchestrationCancelled', ids.task(task), { taskId: ids.task(task), orchestrationId: ids.orchestration(task), reason, cancelledAt: AT }),
  taskDeleted: (task = 1) => message('TaskDeleted', ids.task(task), { taskId: ids.task(task) }),
  taskPullRequestOpened: (task = 1, number = 7) =>
    message('TaskPullRequestOpened', ids.task(task), {
      taskId: ids.task(task),
      url: `https://github.example.com/acme/app/pull/${number}`,
      number,
      head: `orch/${ids.task(task)}`,
      base: 'main',
      created: true,
      openedAt: AT,
    }),
  cancelRun: (ref: Parameters<typeof stageRef>[0] = {}, reason = 'no longer needed') => {
    const { taskId, stageId, attempt } = stageRef(ref);
    return message('CancelRun', taskId, { taskId, stageId, attempt, reason });
  },
  decideApproval: (task = 1, data: Partial2<MessageData<'DecideApproval'>> = {}) =>
    message('DecideApproval', ids.task(task), { taskId: ids.task(task), decision: 'approve', revision: 'revision-1', comments: [], by: 'alice', ...data }),
  requestFollowUp: (task = 1, prompt = 'Also add a test', by = 'alice') => message('RequestFollowUp', ids.task(task), { taskId: ids.task(task), prompt, by }),
  raiseTaskBudget: (task = 1, budgetUsd = 2, by = 'default') => message('RaiseTaskBudget', ids.task(task), { taskId: ids.task(task), budgetUsd, by }),
  taskWaiting: (task = 1, waitingFor: MessageData<'TaskWaiting'>['waitingFor'] = { kind: 'approval', gate: 'spec', revision: 'revision-1' }) =>
    message('TaskWaiting', ids.task(task), { taskId: ids.task(task), orchestrationId: ids.orchestration(task), waitingFor, at: AT }),
  taskWaitEnded: (task = 1, next: MessageData<'TaskWaitEnded'>['next'] = null, by = 'alice') =>
    message('TaskWaitEnded', ids.task(task), { taskId: ids.task(task), orchestrationId: ids.orchestration(task), by, next, at: AT }),
  taskDecisionRecorded: (task = 1, data: Partial2<MessageData<'TaskDecisionRecorded'>> = {}) =>
    message('TaskDecisionRecorded', ids.task(task), {
      taskId: ids.task(task),
      orchestrationId: ids.orchestration(task),
      decision: 'approve',
      by: 'alice',
      revision: 'revision-1',
      gate: 'spec',
      comments: [],
      at: AT,
      ...data,
    }),
  followUpRequested: (task = 1, prompt = 'Also add a test', next: MessageData<'FollowUpRequested'>['next'] = { stageType: 'implementation', round: 1, context: { taskTitle: `Task ${task}`, taskDescription: 'Do it', followUp: prompt } }) =>
    message('FollowUpRequested', ids.task(task), { taskId: ids.task(task), orchestrationId: ids.orchestration(task), prompt, by: 'alice', next, at: AT }),
  runHeartbeat: (ref: Parameters<typeof stageRef>[0] = {}) =>
    message('RunHeartbeat', ids.task(ref.task), { ...stageRef(ref), runnerId: 'runner-1', at: AT }),
  caused: causedMessage,
};
