import type { EntityManager } from 'typeorm';
import { DEFAULT_TASK_PRIORITY, isPoolEvent, isProjectEvent, type OrchEvent } from '@app/contracts';
import { changesOf, type StageChange, type TaskChange } from './changes';
import { projectPool } from './pool.projector';
import { projectProject } from './project.projector';
import { ProjectionUnit, type ReadModelRows as ReadModelRows } from './read-model.rows';
import { projectRunEnded, projectRunResumeAt, projectRunScheduled, projectRunStarted } from './stage-run.projector';

/** Task columns an orchestration's end resets: it leaves the queue and has no stage running. */
const LEFT_QUEUE = 'queue_position = NULL, queued_seq = NULL';

/** A uuid[] as Postgres's array text (`{a,b}`): the unit sends its statements with their parameters inlined as literals. UUIDs need no quoting. */
const uuidArray = (ids: readonly string[]): string => `{${ids.join(',')}}`;

/**
 * Applies one event to the read tables: its writes are collected in `unit`, which sends
 * them with the other events' (ProjectionUnit.write); without a unit, at once. Every
 * timestamp comes from the event, never from the database clock, so a rebuild yields the
 * same rows.
 */
export async function project(manager: EntityManager, seq: number, event: OrchEvent, unit?: ProjectionUnit): Promise<void> {
  if (unit === undefined) {
    const alone = new ProjectionUnit();
    await project(manager, seq, event, alone);
    await alone.finish(manager);
    return;
  }
  const rows = unit.rowsFor(seq, event.occurredAt, event.type);
  if (isPoolEvent(event)) {
    await projectPool(rows, event);
    return;
  }
  if (isProjectEvent(event)) {
    await projectProject(rows, event);
    return;
  }
  switch (event.type) {
    case 'TaskCreated': {
      const { taskId, title, description, repoPath, baseBranch, remote, budgetUsd, approvalPolicy } = event.data;
      await rows.query(
        `INSERT INTO tasks (id, title, description, repo_path, base_branch, project_id, status, created_at, updated_at, last_event_seq, approval_policy, priority, blocked_by, budget_usd)
         VALUES ($1, $2, $3, $4, $5, $6, 'created', $7, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
        [taskId, title, description, repoPath, baseBranch, remote?.projectId ?? null, rows.at, seq, approvalPolicy ?? 'auto', event.data.priority ?? DEFAULT_TASK_PRIORITY, uuidArray(event.data.blockedBy ?? []), budgetUsd ?? null],
      );
      return;
    }
    case 'TaskPullRequestOpened':
    case 'TaskPullRequestClosed':
    case 'TaskBudgetRaised':
    case 'TaskQueueSettingsChanged':
    case 'OrchestrationQueued':
    case 'OrchestrationAdmitted':
    case 'OrchestrationStarted':
    case 'OrchestrationResumed':
    case 'OrchestrationRejected':
    case 'ReworkRequested':
    case 'OrchestrationCompleted':
    case 'OrchestrationFailed':
    case 'OrchestrationCancelled':
    case 'TaskWaiting':
    case 'TaskWaitEnded':
    case 'TaskDecisionRecorded':
    case 'FollowUpRequested':
      for (const change of changesOf(event)) if (change.entity === 'task') await updateTaskBy(rows, change);
      return;
    case 'TaskDeleted':
      await rows.query('DELETE FROM tasks WHERE id = $1', [event.data.taskId]);
      await rows.renumberQueue();
      return;
    case 'StageScheduled': {
      const { taskId, stageId, stageType, attempt, round, context, orchestrationId } = event.data;
      await rows.query(
        `INSERT INTO orchestrator_stages (id, task_id, stage_type, status, stage_context, retry_count, attempt, stage_round, orchestration_id, created_at, updated_at, last_event_seq)
         VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $9, $10)
         ON CONFLICT (id) DO UPDATE SET status = 'pending', stage_context = EXCLUDED.stage_context, retry_count = EXCLUDED.retry_count,
           attempt = EXCLUDED.attempt, error_message = NULL, retryable = NULL, parked_limit = NULL, parked_until = NULL, parked_credential = NULL,
           updated_at = EXCLUDED.updated_at, last_event_seq = EXCLUDED.last_event_seq`,
        [stageId, taskId, stageType, JSON.stringify(context), attempt - 1, attempt, round, orchestrationId, rows.at, seq],
      );
      await rows.updateTask(taskId, 'current_stage = $4, retry_count = GREATEST(retry_count, $5)', [stageType, attempt - 1]);
      await projectRunScheduled(rows, event);
      return;
    }
    case 'StageStarted': {
      const { stageId, lease, startedAt, deadlineAt, attempt, executor, model } = event.data;
      await rows.updateStage(
        stageId,
        attempt,
        `status = 'running', started_at = $5, deadline_at = $6, container_id = $7, container_ref = $8, port = $9, lease_id = $10, completed_at = NULL, executor = $11, model = $12`,
        [startedAt, deadlineAt, lease.slot, lease.containerId, lease.port, lease.leaseId, executor, model],
      );
      // a task keeps its lease from stage to stage: the slot shows the stage now on it
      await rows.query(`UPDATE pool_slots SET stage_id = $3, attempt = $4 WHERE pool_id = $1 AND lease_id = $2`, [lease.poolId, lease.leaseId, stageId, attempt]);
      await projectRunStarted(rows, event);
      return;
    }
    case 'StageCompleted': {
      const { stageId, attempt, output, result, diffStat, diff, verdict, completedAt, taskId } = event.data;
      await rows.updateStage(
        stageId,
        attempt,
        `status = 'completed', command_output = $5, completed_at = $6, cost_usd = $7, input_tokens = $8, output_tokens = $9,
         cache_read_tokens = $10, cache_creation_tokens = $11, num_turns = $12, session_id = $13, duration_ms = $14, diff_stat = $15, verdict = $16,
         stage_diff = $17`,
        [
          output,
          completedAt,
          result.totalCostUsd,
          result.usage.inputTokens,
          result.usage.outputTokens,
          result.usage.cacheReadInputTokens,
          result.usage.cacheCreationInputTokens,
          result.numTurns,
          result.sessionId,
          result.durationMs,
          diffStat === null ? null : JSON.stringify(diffStat),
          verdict === null ? null : JSON.stringify(verdict),
          diff === undefined ? null : JSON.stringify(diff),
        ],
      );
      await rows.updateTask(taskId, 'total_cost_usd = total_cost_usd + $4', [result.totalCostUsd]);
      await projectRunEnded(rows, event);
      return;
    }
    case 'StageFailed':
    case 'StageTimedOut':
    case 'StageCancelled': {
      for (const change of changesOf(event)) if (change.entity === 'stage') await updateStageEnd(rows, change);
      await projectRunEnded(rows, event);
      return;
    }
    case 'StageParked': {
      for (const change of changesOf(event)) {
        if (change.entity !== 'stage') continue;
        const costUsd = change.costUsd ?? null;
        await rows.updateStage(change.stageId, change.attempt, `status = 'pending', error_message = $5, retryable = NULL, completed_at = $6, parked_limit = $7, cost_usd = $8, parked_credential = $9`, [change.error, change.completedAt, change.parkedLimit, costUsd, change.parkedCredential ?? null]);
        if (costUsd !== null) await rows.updateTask(change.taskId, 'total_cost_usd = total_cost_usd + $4', [costUsd]);
      }
      await projectRunEnded(rows, event);
      return;
    }
    case 'StageRetryScheduled': {
      // a parked stage's wait: until its next attempt is due
      const { stageId, attempt, retryAt } = event.data;
      await rows.updateStage(stageId, attempt, `parked_until = CASE WHEN parked_limit IS NULL THEN NULL ELSE $5::timestamptz END`, [retryAt]);
      await projectRunResumeAt(rows, event);
      return;
    }
    default:
      // OrchestrationReleased, RunHeartbeat, PoolStatusReported (the same pool, folded by the pool-manager), …: nothing to keep
      return;
  }
}

/** The statuses after `queued`: a task in one of them holds no place in the queue. */
const LEAVES_QUEUE: ReadonlySet<string> = new Set(['running', 'waiting', 'done', 'failed', 'cancelled']);

/** A task's change written to its row: each field to its column, the queue's columns and numbers kept in step with its status. */
async function updateTaskBy(rows: ReadModelRows, change: TaskChange): Promise<void> {
  const set: string[] = [];
  const params: unknown[] = [];
  const column = (name: string, value: unknown): void => {
    params.push(value);
    set.push(`${name} = $${params.length + 3}`);
  };
  if (change.status !== undefined) {
    column('status', change.status);
    if (change.status === 'queued') set.push('queued_seq = $3');
    if (LEAVES_QUEUE.has(change.status)) set.push(LEFT_QUEUE);
    // a task that leaves waiting waits for nothing any more
    if (change.status !== 'waiting' && change.waitingFor === undefined) set.push('waiting_for = NULL');
  }
  if (change.orchestrationId !== undefined) column('orchestration_id', change.orchestrationId);
  if (change.currentStage !== undefined) column('current_stage', change.currentStage);
  if (change.reason !== undefined) column('failure_reason', change.reason);
  if (change.reworkCount !== undefined) column('rework_count', change.reworkCount);
  if (change.pullRequestUrl !== undefined) column('pull_request_url', change.pullRequestUrl);
  if (change.pullRequestState !== undefined) column('pull_request_state', change.pullRequestState);
  if (change.budgetUsd !== undefined) column('budget_usd', change.budgetUsd);
  if (change.priority !== undefined) column('priority', change.priority);
  if (change.blockedBy !== undefined) column('blocked_by', uuidArray(change.blockedBy));
  if (change.waitingFor !== undefined) column('waiting_for', change.waitingFor === null ? null : JSON.stringify(change.waitingFor));
  if (change.decision !== undefined) {
    params.push(JSON.stringify([change.decision]));
    set.push(`decisions = decisions || $${params.length + 3}::jsonb`);
  }
  if (set.length === 0) return;
  if (change.onlyBeforeStart) {
    await rows.query(`UPDATE tasks SET ${set.join(', ')}, updated_at = $2, last_event_seq = $3 WHERE id = $1 AND status = 'created'`, [change.taskId, rows.at, rows.seq, ...params]);
  } else {
    await rows.updateTask(change.taskId, set.join(', '), params);
  }
  if (change.status !== undefined) await rows.renumberQueue();
}

/** A failed, timed-out or cancelled attempt written to its stage row, and a cost it had to its task. */
async function updateStageEnd(rows: ReadModelRows, end: StageChange): Promise<void> {
  const set = `status = 'failed', error_message = $5, retryable = $6, completed_at = $7`;
  const params = [end.error, end.retryable, end.completedAt];
  if (end.costUsd === undefined) await rows.updateStage(end.stageId, end.attempt, set, params);
  else await rows.updateStage(end.stageId, end.attempt, `${set}, cost_usd = $8`, [...params, end.costUsd]);
  if (end.costUsd != null) await rows.updateTask(end.taskId, 'total_cost_usd = total_cost_usd + $4', [end.costUsd]);
}
