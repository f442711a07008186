// Updates and REST rows as the gateway sends them, for the page's unit tests.
import type { PoolView, StageView, TaskView } from '../api/api.types';
import type { LogBatch, PoolUpdate, StageUpdate, TaskUpdate } from '../contracts';
import type { LiveUpdate } from '../state/board.actions';
import { columnOf, type ColumnId } from '../state/board.columns';
import { NO_COLUMN_TOTALS } from '../state/board.state';
import { toTaskCard, type BoardSnapshot } from '../state/snapshot.mapper';

export const TASK = '0193a5b0-0000-7000-8000-000000000001';
export const OTHER_TASK = '0193a5b0-0000-7000-8000-000000000002';
export const ORCHESTRATION = '0193a5b0-0000-7000-8000-0000000000a1';
export const stageIdOf = (n: number): string => `0193a5b0-0000-7000-8000-00000000050${n}`;
export const at = (second: number): string => new Date(Date.UTC(2026, 10, 24, 10, 0, second)).toISOString();

export function taskUpdate(seq: number, fields: Partial<TaskUpdate> = {}): LiveUpdate {
  return { name: 'task-update', payload: { seq, cause: 'OrchestrationAdmitted', at: at(seq), taskId: TASK, ...fields } };
}

export function stageUpdate(seq: number, fields: Partial<StageUpdate> = {}): LiveUpdate {
  const payload: StageUpdate = {
    seq,
    cause: 'StageScheduled',
    at: at(seq),
    taskId: TASK,
    orchestrationId: ORCHESTRATION,
    stageId: stageIdOf(1),
    stageType: 'specification',
    attempt: 1,
    status: 'pending',
    ...fields,
  };
  return { name: 'stage-update', payload };
}

export function poolUpdate(seq: number, fields: Partial<PoolUpdate> = {}): LiveUpdate {
  return { name: 'pool-update', payload: { seq, cause: 'LeaseGranted', at: at(seq), poolId: 'default', state: 'leased', ...fields } };
}

/** The updates of a task created at `seq`, started, and run through its three stages to done. */
export function fullRun(firstSeq: number): LiveUpdate[] {
  let seq = firstSeq;
  const updates: LiveUpdate[] = [
    taskUpdate(seq, { cause: 'TaskCreated', status: 'created', title: 'Add a health endpoint', description: 'GET /health', repoPath: null, baseBranch: null }),
    taskUpdate(++seq, { cause: 'OrchestrationAdmitted', status: 'running', orchestrationId: ORCHESTRATION }),
  ];
  (['specification', 'implementation', 'qa'] as const).forEach((stageType, index) => {
    const stageId = stageIdOf(index + 1);
    seq++;
    updates.push(stageUpdate(seq, { stageId, stageType, status: 'pending', round: 0 }), taskUpdate(seq, { cause: 'StageScheduled', currentStage: stageType }));
    updates.push(stageUpdate(++seq, { stageId, stageType, cause: 'StageStarted', status: 'running', startedAt: at(seq), container: { poolId: 'default', slot: 0, port: 8081, containerId: 'local-0' } }));
    updates.push(
      stageUpdate(++seq, {
        stageId,
        stageType,
        cause: 'StageCompleted',
        status: 'completed',
        completedAt: at(seq),
        costUsd: 0.01,
        tokens: { input: 10, output: 20, cacheRead: 0, cacheCreation: 0 },
        output: `${stageType} output`,
        ...(stageType === 'qa' ? { verdict: { verdict: 'pass' as const, findings: [] } } : {}),
      }),
    );
  });
  updates.push(taskUpdate(++seq, { cause: 'OrchestrationCompleted', status: 'done', currentStage: null }));
  return updates;
}

export function taskView(fields: Partial<TaskView> = {}): TaskView {
  return {
    id: TASK,
    title: 'Add a health endpoint',
    description: 'GET /health',
    repoPath: null,
    baseBranch: null,
    projectId: null,
    priority: 5,
    blockedBy: [],
    pullRequestUrl: null,
    pullRequestState: null,
    status: 'created',
    approvalPolicy: 'auto',
    waitingFor: null,
    decisions: [],
    orchestrationId: null,
    currentStage: null,
    queuePosition: null,
    failureReason: null,
    reworkCount: 0,
    retryCount: 0,
    totalCostUsd: 0,
    budgetUsd: null,
    createdAt: at(0),
    updatedAt: at(0),
    startedAt: null,
    lastEventSeq: 1,
    ...fields,
  };
}

export function stageView(fields: Partial<StageView> = {}): StageView {
  return {
    id: stageIdOf(1),
    taskId: TASK,
    orchestrationId: ORCHESTRATION,
    stageType: 'specification',
    status: 'completed',
    stageRound: 0,
    attempt: 1,
    retryCount: 0,
    commandOutput: '# Specification',
    errorMessage: null,
    retryable: null,
    containerId: 0,
    containerRef: 'local-0',
    port: 8081,
    startedAt: at(3),
    deadlineAt: null,
    completedAt: at(4),
    createdAt: at(2),
    executor: null,
    model: null,
    costUsd: 0.01,
    inputTokens: 10,
    outputTokens: 20,
    cacheReadTokens: 0,
    cacheCreationTokens: 0,
    numTurns: 3,
    durationMs: 900,
    diffStat: null,
    verdict: null,
    parkedLimit: null,
    parkedUntil: null,
    lastEventSeq: 4,
    ...fields,
  };
}

export const EMPTY_POOL: PoolView = { slots: [], waiting: [] };

export function snapshot(fields: Partial<BoardSnapshot> = {}): BoardSnapshot {
  const tasks = fields.tasks ?? [];
  return { seq: 0, tasks, stages: [], pool: EMPTY_POOL, metrics: null, columnTotals: totalsOf(tasks), ...fields };
}

/** the column totals of a board that holds every task */
export function totalsOf(tasks: TaskView[]): Record<ColumnId, number> {
  const totals = { ...NO_COLUMN_TOTALS };
  for (const task of tasks) totals[columnOf(toTaskCard(task, []))] += 1;
  return totals;
}

export function logBatch(seq: number, lines: Array<Partial<LogBatch['lines'][number]> & { index: number }>, fields: Partial<LogBatch> = {}): LogBatch {
  return {
    seq,
    taskId: TASK,
    stageId: stageIdOf(1),
    attempt: 1,
    lines: lines.map((line) => ({ stream: 'stdout', at: at(line.index), json: null, text: '', entries: [], ...line })),
    ...fields,
  };
}
