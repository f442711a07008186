import { draft, type LeaseRef, type OrchEvent } from '@app/contracts';
import { runBudgetOf } from './budget.decider';
import type { CommandDraft } from './decision';
import type { OrchestrationRules } from './orchestration.config';
import { activeStage, currentStage, type OrchestratedTask, type StageState, type TaskState } from './task.state';

/**
 * The saga's step, `react(event) → commands`: what each stored event asks of the pool and
 * the runner, given the task's state after it. It decides no events. Ids are derived from
 * the event, so handling it again sends nothing new.
 */
export function react(event: OrchEvent, task: TaskState, taskSequence: number, rules: OrchestrationRules): CommandDraft[] {
  switch (event.type) {
    case 'StageScheduled': {
      const stage = activeStage(task, event.data.stageId, event.data.attempt);
      // (a stage that is active runs in a started task)
      if (!stage || stage.status !== 'scheduled' || task.status !== 'running') return [];
      const { taskId, orchestrationId, stageId, stageType, attempt } = event.data;
      // a task keeps its container from stage to stage: the next stage runs on it at once
      if (stage.lease) return [runStage(task, stage, stage.lease, taskSequence, rules)];
      return [draft('AcquireLease', { taskId, orchestrationId, stageId, stageType, attempt, ttlS: rules.leaseTtlS })];
    }
    case 'LeaseGranted': {
      const { taskId, stageId, attempt } = event.data;
      const lease = {
        leaseId: event.data.leaseId,
        poolId: event.data.poolId,
        slot: event.data.slot,
        port: event.data.port,
        containerId: event.data.containerId,
      };
      const stage = activeStage(task, stageId, attempt);
      if (!stage || stage.status !== 'scheduled' || task.status !== 'running' || (stage.lease && stage.lease.leaseId !== lease.leaseId)) {
        return [draft('ReleaseLease', { leaseId: lease.leaseId, poolId: lease.poolId, taskId, stageId })];
      }
      return [runStage(task, stage, lease, taskSequence, rules)];
    }
    case 'StageCompleted':
    case 'StageFailed':
    case 'StageTimedOut':
    case 'StageCancelled': {
      const { taskId, stageId, attempt } = event.data;
      const stage = task.stages[stageId];
      const drafts: CommandDraft[] = [];
      if (event.type !== 'StageCompleted') {
        drafts.push(draft('CancelRun', { taskId, stageId, attempt, reason: event.data.reason }));
      }
      // a completed stage's lease stays with the task for its next stage; one that ended badly is given up
      if (event.type !== 'StageCompleted' && stage?.lease && stage.attempt === attempt) {
        drafts.push(draft('ReleaseLease', { leaseId: stage.lease.leaseId, poolId: stage.lease.poolId, taskId, stageId }));
      }
      return drafts;
    }
    case 'StageParked': {
      // the run ended by itself; its container is given up, and the stage waits for the limit holding none
      const stage = task.stages[event.data.stageId];
      if (!stage?.lease || stage.attempt !== event.data.attempt) return [];
      return [draft('ReleaseLease', { leaseId: stage.lease.leaseId, poolId: stage.lease.poolId, taskId: event.data.taskId, stageId: event.data.stageId })];
    }
    case 'OrchestrationCompleted': {
      // an approved result: its pull request is opened now (QA's run was told not to)
      const opening = approvedPullRequest(task);
      return [...releaseHeldLease(task, event.data.taskId, event.data.orchestrationId), ...(opening === null ? [] : [opening])];
    }
    case 'OrchestrationFailed':
    case 'OrchestrationCancelled':
    case 'TaskWaiting': {
      return releaseHeldLease(task, event.data.taskId, event.data.orchestrationId);
    }
    case 'RunHeartbeat': {
      const stage = activeStage(task, event.data.stageId, event.data.attempt);
      if (!stage?.lease || stage.status !== 'running') return [];
      return [draft('RenewLease', { leaseId: stage.lease.leaseId, poolId: stage.lease.poolId }, event.id)];
    }
    default:
      return [];
  }
}

/** An ended or waiting task holds no lease (a wait that ended already let it go). */
function releaseHeldLease(task: TaskState, taskId: string, orchestrationId: string): CommandDraft[] {
  const lease = task.status === 'running' ? null : task.heldLease;
  if (!lease) return [];
  const stageId = task.currentStageId ?? orchestrationId;
  return [draft('ReleaseLease', { leaseId: lease.leaseId, poolId: lease.poolId, taskId, stageId })];
}

/** A task that waits for approval of its result opens its pull request once approved, not when QA passes. */
function holdsPullRequest(task: TaskState, stage: StageState): boolean {
  return stage.stageType === 'qa' && task.approvalPolicy === 'approve-result';
}

/** The OpenPullRequest of a task completed by the approval of its result: from its passed QA stage. */
function approvedPullRequest(task: TaskState): CommandDraft | null {
  const qa = currentStage(task);
  if (task.orchestrationId === null || qa === null || !holdsPullRequest(task, qa) || qa.status !== 'completed' || qa.verdict?.verdict !== 'pass') return null;
  return draft('OpenPullRequest', { taskId: task.taskId, orchestrationId: task.orchestrationId, workspace: task.workspace, context: qa.context, verdict: qa.verdict });
}

function runStage(task: OrchestratedTask, stage: StageState, lease: LeaseRef, taskSequence: number, rules: OrchestrationRules): CommandDraft {
  const executor = task.stageExecutors[stage.stageType];
  return draft('RunStage', {
    taskId: task.taskId,
    orchestrationId: task.orchestrationId,
    stageId: stage.stageId,
    stageType: stage.stageType,
    attempt: stage.attempt,
    context: stage.context,
    lease,
    workspace: task.workspace,
    timeoutS: rules.stageTimeoutS[stage.stageType],
    maxBudgetUsd: runBudgetOf(task, rules),
    expectedTaskSequence: taskSequence,
    ...(executor === undefined ? {} : { executor }),
    ...(holdsPullRequest(task, stage) ? { openPullRequest: false } : {}),
  });
}
