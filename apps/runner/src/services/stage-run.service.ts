import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { causedMessage, fitToJsonBytes, type AgentResult, type MessageData, type MessageOf, type MessageType, type QaVerdict } from '@app/contracts';
import { Clock } from '@app/config';
import { tracedStage } from '@app/messaging';
import { cancellation } from '../domain/attempt-guard';
import type { RunOutcome } from '../domain/outcome';
import { runnerFailureReason } from '../domain/run-error';
import { GitError } from '../repositories/git.repository';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';
import { ExecutionRefused } from './agent-sandbox.service';
import { AttemptLog } from './attempt-log.service';
import { AttemptMonitor } from './attempt-monitor.service';
import { ForgeCredentialRefused, ForgeRequestRefused, ForgeUnavailable } from '../forge/forge';
import { AgentRunService, type AgentRun, type AgentRunResult, type StopCause } from './agent-run.service';
import { PullRequestService } from './pull-request.service';
import { RemoteRefused, RemoteUnavailable } from './remote.service';
import { WorkspaceRefused, WorkspaceService, type Workspace, type WorkspaceSnapshot } from './workspace.service';

/** bytes (as JSON) of the agent's answer kept in StageCompleted: NATS takes 1 MiB a message */
const MAX_OUTPUT_BYTES = 256 * 1024;

type RunStage = MessageOf<'RunStage'>;

/** An attempt this runner runs: stopping it ends its agent, or keeps one from starting. */
class ActiveRun {
  stopped: { cause: StopCause; reason: string } | null = null;
  done: Promise<void> = Promise.resolve();
  private agent: AgentRun | null = null;

  constructor(readonly taskId: string) {}

  stop(cause: StopCause, reason: string): void {
    this.stopped ??= { cause, reason };
    this.agent?.stop(cause, reason);
  }

  attach(agent: AgentRun): void {
    this.agent = agent;
    if (this.stopped !== null) agent.stop(this.stopped.cause, this.stopped.reason);
  }
}

/**
 * Runs stage attempts: claims one on the task's subject (`StageStarted`, appended against
 * the sequence the orchestrator saw, so the `RunStage` is acked once it is stored), then in
 * the background prepares the workspace, runs the agent CLI, commits its work and reports
 * exactly one outcome — unless the attempt was closed meanwhile (cancelled, timed out by
 * the orchestrator, its task ended), which stops the agent and reports nothing more.
 */
@Injectable()
export class StageRunService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Runner');
  private readonly running = new Map<string, ActiveRun>();

  constructor(
    private readonly agents: AgentRunService,
    private readonly workspaces: WorkspaceService,
    private readonly pullRequests: PullRequestService,
    private readonly attempts: AttemptLog,
    private readonly monitor: AttemptMonitor,
    private readonly clock: Clock,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  /** Claims the attempt; resolves once `StageStarted` is stored, with the run going on. */
  async accept(command: RunStage): Promise<void> {
    const { taskId, stageId, attempt, stageType, timeoutS } = command.data;
    const key = attemptKey(stageId, attempt);
    if (this.running.has(key)) return;
    const startedAt = this.clock.now();
    const deadline = new Date(startedAt.getTime() + timeoutS * 1000);
    const choice = this.agents.executorFor(command);
    const started = this.event(command, 'StageStarted', {
      taskId,
      orchestrationId: command.data.orchestrationId,
      stageId,
      stageType,
      attempt,
      runnerId: this.config.runnerId,
      executor: choice.executor.name,
      model: choice.model,
      lease: command.data.lease,
      startedAt: startedAt.toISOString(),
      deadlineAt: deadline.toISOString(),
    });
    const startedSeq = await this.attempts.claim(started, command.data.expectedTaskSequence);
    if (startedSeq === null) {
      this.logger.warn(`Not running ${stageType} for task ${taskId} (attempt ${attempt}): it is no longer open to start`);
      return;
    }
    this.logger.log(`Running ${stageType} for task ${taskId} (attempt ${attempt}) on port ${command.data.lease.port}`);
    const active = new ActiveRun(taskId);
    // the stage's own span in the task's trace: its events and logs are its children
    active.done = tracedStage(`stage ${stageType}`, command, { 'orch.stage.type': stageType, 'orch.stage.attempt': String(attempt) }, () => this.run(command, startedSeq, deadline, active))
      .catch((error: unknown) => this.reportFailure(command, startedSeq, { reason: runnerFailureReason(error, this.config.workspacesDir), retryable: true }))
      .catch((error: unknown) => this.logger.error(`Stage ${stageType} of task ${taskId} broke off: ${this.agents.redactor.redact((error as Error).message)}`))
      .finally(() => this.running.delete(key));
    this.running.set(key, active);
  }

  /**
   * CancelRun: closes the attempt on the log with `StageCancelled` (unless it is closed
   * already). Whichever runner runs it hears that event and stops its agent; this one
   * stops its own at once.
   */
  async cancel(command: MessageOf<'CancelRun'>): Promise<void> {
    const { taskId, stageId, attempt, reason } = command.data;
    const cancelled = await this.attempts.cancel(command.data, (facts) => {
      const data = cancellation(facts, command.data, this.clock.nowIso());
      return data === null ? null : causedMessage(command, 'StageCancelled', taskId, data, this.origin());
    });
    if (cancelled !== null) this.logger.warn(`Stage ${cancelled.stageType} cancelled for task ${taskId} (attempt ${attempt}): ${reason}`);
    this.running.get(attemptKey(stageId, attempt))?.stop('closed', `cancelled: ${reason}`);
  }

  /** The task ended: its agents stop, then its workspace goes (unless WORKSPACE_KEEP). */
  async endTask(taskId: string, why: string): Promise<void> {
    await this.pauseTask(taskId, why);
    await this.workspaces.release(taskId);
  }

  /** The task's agents stop (none should run while it waits); its workspace stays for when it goes on. */
  async pauseTask(taskId: string, why: string): Promise<void> {
    const runs = [...this.running.values()].filter((run) => run.taskId === taskId);
    for (const run of runs) run.stop('closed', why);
    await Promise.allSettled(runs.map((run) => run.done));
  }

  /** Agents do not outlive the runner: each is stopped and its attempt failed as retryable. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const run of this.running.values()) run.stop('shutdown', 'the runner shut down while the stage ran');
    await Promise.allSettled([...this.running.values()].map((run) => run.done));
  }

  private async run(command: RunStage, startedSeq: number, deadline: Date, active: ActiveRun): Promise<void> {
    const { taskId, attempt, stageType } = command.data;
    const watch = this.monitor.watch(command, (reason) => active.stop('closed', reason));
    try {
      let workspace: Workspace;
      try {
        workspace = await this.workspaces.prepare(taskId, command.data.workspace);
      } catch (error) {
        const retryable = error instanceof RemoteUnavailable;
        if (!(error instanceof WorkspaceRefused || error instanceof RemoteRefused || retryable)) throw error;
        await this.reportFailure(command, startedSeq, { reason: error.message, retryable });
        return;
      }
      if (active.stopped !== null) {
        this.logger.warn(`Not starting ${stageType} for task ${taskId} (attempt ${attempt}): ${active.stopped.reason}`);
        if (active.stopped.cause === 'shutdown') await this.reportFailure(command, startedSeq, { reason: active.stopped.reason, retryable: true });
        return;
      }
      const before = await this.workspaces.snapshot(workspace);
      // a follow-up's first attempt resumes the session the orchestrator names; its retries what this runner saw of it since
      const named = attempt === 1 ? (command.data.context.resumeSessionId ?? null) : null;
      const resume = named ?? (await this.workspaces.sessionOf(taskId, stageType));
      let agent: AgentRun;
      try {
        agent = await this.agents.start(command, workspace, resume, deadline);
      } catch (error) {
        if (!(error instanceof ExecutionRefused)) throw error;
        await this.reportFailure(command, startedSeq, { reason: error.message, retryable: false });
        return;
      }
      active.attach(agent);
      const result = await agent.done;
      watch.stop(); // the agent is gone: nothing left to stop or heartbeat for
      await this.keepSession(taskId, stageType, result);
      await this.conclude(command, startedSeq, deadline, workspace, before, result);
    } finally {
      watch.stop();
    }
  }

  /** Turns how the run ended into the attempt's one outcome event, and appends it. */
  private async conclude(
    command: RunStage,
    startedSeq: number,
    deadline: Date,
    workspace: Workspace,
    before: WorkspaceSnapshot,
    result: AgentRunResult,
  ): Promise<void> {
    const { taskId, stageId, attempt, stageType, timeoutS } = command.data;
    const ref = { taskId, orchestrationId: command.data.orchestrationId, stageId, stageType, attempt };
    switch (result.stoppedBy) {
      case 'closed':
        this.logger.warn(`Stopped ${stageType} for task ${taskId} (attempt ${attempt}): ${result.stopReason}`);
        return;
      case 'timeout': {
        const timedOut = this.event(command, 'StageTimedOut', {
          ...ref,
          deadlineAt: deadline.toISOString(),
          timedOutAt: this.clock.nowIso(),
          cause: 'agent-timeout',
          reason: `the agent ran longer than the stage's ${timeoutS} s and was killed with its process group`,
        });
        if (await this.attempts.report(timedOut, command.data, startedSeq)) this.logger.error(`Stage ${stageType} timed out for task ${taskId} after ${timeoutS} s`);
        return;
      }
      case 'shutdown':
        await this.reportFailure(command, startedSeq, { reason: result.stopReason, retryable: true });
        return;
      case 'refused':
      case null:
        break;
    }
    let outcome: RunOutcome = result.executor.classify(result.facts, this.clock.now());
    if (outcome.kind === 'parked') {
      const { limit } = outcome;
      const parked = this.event(command, 'StageParked', {
        ...ref,
        limit: limit.kind,
        reason: this.agents.redactor.redact(outcome.reason),
        credential: this.config.credentialName,
        resetAt: limit.resetAt?.toISOString() ?? null,
        result: outcome.result,
        parkedAt: this.clock.nowIso(),
      });
      if (await this.attempts.report(parked, command.data, startedSeq)) {
        this.logger.warn(`Stage ${stageType} parked for task ${taskId} (attempt ${attempt}, credential ${this.config.credentialName}): ${parked.data.reason}`);
      }
      return;
    }
    if (outcome.kind === 'completed') {
      const denials = outcome.result.permissionDenials;
      if (denials.length > 0) this.logger.warn(`The CLI denied ${denials.join(', ')} in ${stageType} of task ${taskId} (CLAUDE_PERMISSION_MODE=${this.config.permissionMode})`);
      let change = null;
      try {
        change = await this.workspaces.commitStage(workspace, before, `orch: ${stageType} of task ${taskId} (attempt ${attempt})`);
        await this.workspaces.pushStage(workspace);
        // under approve-result the pull request waits for the approval (OpenPullRequest)
        if (outcome.verdict?.verdict === 'pass' && command.data.openPullRequest !== false) await this.openPullRequest(command, startedSeq, outcome.verdict, outcome.result.totalCostUsd);
      } catch (error) {
        const failure = deliveryFailure(error);
        if (failure === null) throw error;
        outcome = { kind: 'failed', ...failure, exitCode: result.facts.exitCode, result: outcome.result };
      }
      if (outcome.kind === 'completed') {
        const completed = this.event(command, 'StageCompleted', {
          ...ref,
          output: fitToJsonBytes(outcome.output, MAX_OUTPUT_BYTES, "agent's answer"),
          result: outcome.result,
          diffStat: change?.diffStat ?? null,
          ...(change === null ? {} : { diff: change.diff }),
          verdict: outcome.verdict,
          completedAt: this.clock.nowIso(),
        });
        if (await this.attempts.report(completed, command.data, startedSeq)) {
          const stat = change?.diffStat;
          const changes = stat === undefined ? '' : `, ${stat.files} files changed (+${stat.insertions} -${stat.deletions})${change?.diff.truncated === true ? ' (diff kept in part)' : ''}`;
          this.logger.log(`Stage ${stageType} completed for task ${taskId} in ${outcome.result.numTurns} turns, $${outcome.result.totalCostUsd.toFixed(4)}${changes}`);
        }
        return;
      }
    }
    await this.reportFailure(command, startedSeq, outcome);
  }

  /** Opens the task's pull request through its project's forge and records it on the task subject before QA's outcome. */
  private async openPullRequest(command: RunStage, startedSeq: number, verdict: QaVerdict, stageCostUsd: number): Promise<void> {
    const opened = await this.pullRequests.open(command.data, verdict, stageCostUsd);
    if (opened === null) return;
    await this.attempts.report(this.event(command, 'TaskPullRequestOpened', { ...opened, openedAt: this.clock.nowIso() }), command.data, startedSeq);
  }

  private async reportFailure(
    command: RunStage,
    startedSeq: number,
    failure: { reason: string; retryable: boolean; exitCode?: number | null; result?: AgentResult | null },
  ): Promise<void> {
    const { taskId, stageId, attempt, stageType } = command.data;
    const reason = this.agents.redactor.redact(failure.reason);
    const failed = this.event(command, 'StageFailed', {
      taskId,
      orchestrationId: command.data.orchestrationId,
      stageId,
      stageType,
      attempt,
      reason,
      retryable: failure.retryable,
      exitCode: failure.exitCode ?? null,
      result: failure.result ?? null,
      failedAt: this.clock.nowIso(),
    });
    if (await this.attempts.report(failed, command.data, startedSeq)) {
      this.logger.error(`Stage ${stageType} failed for task ${taskId} (attempt ${attempt}, ${failure.retryable ? 'retryable' : 'not retryable'}): ${reason}`);
    }
  }

  /** The session a retry or a QA rework of this stage type resumes; a vanished one is forgotten. */
  private async keepSession(taskId: string, stageType: RunStage['data']['stageType'], result: AgentRunResult): Promise<void> {
    const { facts } = result;
    const sessionId = result.executor.sessionNotFound(facts) ? null : (facts.final?.result.sessionId || facts.init?.sessionId || facts.resumedSessionId);
    if (sessionId !== facts.resumedSessionId) await this.workspaces.rememberSession(taskId, stageType, sessionId ?? null);
  }

  private origin() {
    return { producer: this.config.messaging.producer, occurredAt: this.clock.nowIso() };
  }

  private event<T extends MessageType>(command: RunStage, type: T, data: MessageData<T>): MessageOf<T> {
    return causedMessage(command, type, command.data.taskId, data, this.origin());
  }
}

/**
 * Why the stage's work did not reach the team — commit, push or pull request — and whether
 * another attempt could succeed; null for an error that is none of these.
 */
function deliveryFailure(error: unknown): { reason: string; retryable: boolean } | null {
  if (error instanceof GitError) return { reason: `the agent's work could not be committed: ${error.message}`, retryable: true };
  if (error instanceof RemoteRefused || error instanceof ForgeCredentialRefused || error instanceof ForgeRequestRefused) return { reason: error.message, retryable: false };
  if (error instanceof RemoteUnavailable || error instanceof ForgeUnavailable) return { reason: error.message, retryable: true };
  return null;
}

function attemptKey(stageId: string, attempt: number): string {
  return `${stageId}:${attempt}`;
}
