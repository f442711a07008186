import type { EntityManager } from 'typeorm';
import type { OrchEvent } from '@app/contracts';

/**
 * Applies one event to the read tables. Every timestamp comes from the event, never from
 * the database clock, so a rebuild yields the same rows.
 */
export async function project(manager: EntityManager, seq: number, event: OrchEvent): Promise<void> {
  const at = event.occurredAt;
  switch (event.type) {
    case 'TaskCreated': {
      const { taskId, title, description, repoPath, baseBranch } = event.data;
      await manager.query(
        `INSERT INTO tasks (id, title, description, repo_path, base_branch, status, created_at, updated_at, last_event_seq)
         VALUES ($1, $2, $3, $4, $5, 'created', $6, $6, $7) ON CONFLICT (id) DO NOTHING`,
        [taskId, title, description, repoPath, baseBranch, at, seq],
      );
      return;
    }
    case 'TaskDeleted':
      await manager.query('DELETE FROM tasks WHERE id = $1', [event.data.taskId]);
      return;
    case 'OrchestrationQueued':
      await updateTask(manager, event.data.taskId, seq, at, `status = 'queued', queue_position = $4, orchestration_id = $5`, [
        event.data.position,
        event.data.orchestrationId,
      ]);
      return;
    case 'OrchestrationAdmitted':
    case 'OrchestrationStarted':
      await updateTask(manager, event.data.taskId, seq, at, `status = 'running', queue_position = NULL, orchestration_id = $4`, [
        event.data.orchestrationId,
      ]);
      return;
    case 'OrchestrationRejected':
      await updateTask(manager, event.data.taskId, seq, at, 'failure_reason = $4', [event.data.reason]);
      return;
    case 'StageScheduled': {
      const { taskId, stageId, stageType, attempt, round, context, orchestrationId } = event.data;
      await manager.query(
        `INSERT INTO orchestrator_stages (id, task_id, stage_type, status, stage_context, retry_count, attempt, stage_round, orchestration_id, created_at, updated_at, last_event_seq)
         VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7, $8, $9, $9, $10)
         ON CONFLICT (id) DO UPDATE SET status = 'pending', stage_context = EXCLUDED.stage_context, retry_count = EXCLUDED.retry_count,
           attempt = EXCLUDED.attempt, error_message = NULL, retryable = NULL, updated_at = EXCLUDED.updated_at, last_event_seq = EXCLUDED.last_event_seq`,
        [stageId, taskId, stageType, JSON.stringify(context), attempt - 1, attempt, round, orchestrationId, at, seq],
      );
      await updateTask(manager, taskId, seq, at, 'current_stage = $4, retry_count = GREATEST(retry_count, $5)', [stageType, attempt - 1]);
      return;
    }
    case 'StageStarted': {
      const { stageId, lease, startedAt, deadlineAt, attempt } = event.data;
      await updateStage(manager, stageId, attempt, seq, at,
        `status = 'running', started_at = $5, deadline_at = $6, container_id = $7, container_ref = $8, port = $9, lease_id = $10, completed_at = NULL`,
        [startedAt, deadlineAt, lease.slot, lease.containerId, lease.port, lease.leaseId],
      );
      return;
    }
    case 'StageCompleted': {
      const { stageId, attempt, output, result, diffStat, verdict, completedAt, taskId } = event.data;
      await updateStage(manager, stageId, attempt, seq, at,
        `status = 'completed', command_output = $5, completed_at = $6, cost_usd = $7, input_tokens = $8, output_tokens = $9,
         cache_read_tokens = $10, cache_creation_tokens = $11, num_turns = $12, session_id = $13, duration_ms = $14, diff_stat = $15, verdict = $16`,
        [output, completedAt, result.totalCostUsd, result.usage.inputTokens, result.usage.outputTokens, result.usage.cacheReadInputTokens,
          result.usage.cacheCreationInputTokens, result.numTurns, result.sessionId, result.durationMs,
          diffStat === null ? null : JSON.stringify(diffStat), verdict === null ? null : JSON.stringify(verdict)],
      );
      await updateTask(manager, taskId, seq, at, 'total_cost_usd = total_cost_usd + $4', [result.totalCostUsd]);
      return;
    }
    case 'StageFailed': {
      const { stageId, attempt, reason, retryable, failedAt, result, taskId } = event.data;
      await updateStage(manager, stageId, attempt, seq, at, `status = 'failed', error_message = $5, retryable = $6, completed_at = $7, cost_usd = $8`,
        [reason, retryable, failedAt, result?.totalCostUsd ?? null]);
      if (result) await updateTask(manager, taskId, seq, at, 'total_cost_usd = total_cost_usd + $4', [result.totalCostUsd]);
      return;
    }
    case 'StageTimedOut':
      await updateStage(manager, event.data.stageId, event.data.attempt, seq, at, `status = 'failed', error_message = $5, retryable = TRUE, completed_at = $6`,
        [`timed out at ${event.data.deadlineAt}`, event.data.timedOutAt]);
      return;
    case 'StageCancelled':
      await updateStage(manager, event.data.stageId, event.data.attempt, seq, at, `status = 'failed', error_message = $5, retryable = FALSE, completed_at = $6`,
        [`cancelled: ${event.data.reason}`, event.data.cancelledAt]);
      return;
    case 'ReworkRequested':
      await updateTask(manager, event.data.taskId, seq, at, 'rework_count = $4', [event.data.round]);
      return;
    case 'OrchestrationCompleted':
      await updateTask(manager, event.data.taskId, seq, at, `status = 'done', current_stage = NULL, failure_reason = NULL`, []);
      return;
    case 'OrchestrationFailed':
      await updateTask(manager, event.data.taskId, seq, at, `status = 'failed', failure_reason = $4`, [event.data.reason]);
      return;
    case 'OrchestrationCancelled':
      await updateTask(manager, event.data.taskId, seq, at, `status = 'cancelled', queue_position = NULL, failure_reason = $4`, [event.data.reason]);
      return;
    default:
      return;
  }
}

async function updateTask(manager: EntityManager, taskId: string, seq: number, at: string, set: string, params: unknown[]): Promise<void> {
  await manager.query(`UPDATE tasks SET ${set}, updated_at = $2, last_event_seq = $3 WHERE id = $1`, [taskId, at, seq, ...params]);
}

async function updateStage(manager: EntityManager, stageId: string, attempt: number, seq: number, at: string, set: string, params: unknown[]): Promise<void> {
  await manager.query(`UPDATE orchestrator_stages SET ${set}, updated_at = $3, last_event_seq = $4 WHERE id = $1 AND attempt = $2`, [
    stageId,
    attempt,
    at,
    seq,
    ...params,
  ]);
}
