import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  causedMessage,
  type MessageData,
  type MessageOf,
  type MessageType,
  type OrchEvent,
} from '@app/contracts';
import { Clock } from '@app/config';
import { MessagePublisher, NatsClient, SubjectReader, TransientError } from '@app/messaging';
import { attemptStatus } from '../domain/attempt-guard';
import { classifyRun } from '../domain/outcome';
import { promptFor } from '../domain/prompt';
import { parseLine, readResult, readVerdict, redact, type FinalResult } from '../domain/stream-json';
import { ProcessRepository, type ProcessLine } from '../repositories/process.repository';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';
import { LogShipper } from './log-shipper';
import { WorkspaceService } from './workspace.service';

const MAX_OUTPUT_CHARS = 256 * 1024;
const STDERR_TAIL_LINES = 40;

type RunStage = MessageOf<'RunStage'>;

/**
 * Runs one stage attempt: claims it on the task's subject (`StageStarted`, appended against
 * the sequence the orchestrator saw), runs the agent CLI in the background, and reports
 * exactly one outcome for it.
 */
@Injectable()
export class StageRunService implements OnApplicationShutdown {
  private readonly logger = new Logger('Runner');
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly processes: ProcessRepository,
    private readonly workspaces: WorkspaceService,
    private readonly publisher: MessagePublisher,
    private readonly reader: SubjectReader,
    private readonly nats: NatsClient,
    private readonly clock: Clock,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  /** Claims the attempt; resolves once `StageStarted` is stored, with the run going on. */
  async accept(command: RunStage): Promise<void> {
    const { taskId, stageId, attempt, stageType, timeoutS } = command.data;
    const key = `${stageId}:${attempt}`;
    if (this.running.has(key)) return;
    const startedAt = this.clock.now();
    const started = this.event(command, 'StageStarted', {
      taskId,
      orchestrationId: command.data.orchestrationId,
      stageId,
      stageType,
      attempt,
      runnerId: this.config.runnerId,
      lease: command.data.lease,
      startedAt: startedAt.toISOString(),
      deadlineAt: new Date(startedAt.getTime() + timeoutS * 1000).toISOString(),
    });
    const claimedAt = await this.claim(started, command.data.expectedTaskSequence);
    if (claimedAt === null) {
      this.logger.warn(`Not running ${stageType} for task ${taskId} (attempt ${attempt}): it is no longer open to start`);
      return;
    }
    this.logger.log(`Running ${stageType} for task ${taskId} (attempt ${attempt}) on port ${command.data.lease.port}`);
    const run = this.run(command, claimedAt)
      .catch((error: unknown) => this.logger.error(`Stage ${stageType} failed for task ${taskId}: ${(error as Error).message}`))
      .finally(() => this.running.delete(key));
    this.running.set(key, run);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  /** Appends StageStarted; on a conflict, re-reads and claims only a still startable attempt. */
  private async claim(started: OrchEvent, expectedSeq: number): Promise<number | null> {
    const data = started.data as MessageData<'StageStarted'>;
    let expected = expectedSeq;
    for (let round = 0; round < 10; round += 1) {
      const result = await this.publisher.append(started, expected);
      if (result.ok) return result.duplicate ? null : result.seq;
      const { events, lastSeq } = await this.reader.read(this.nats.subjects.task(data.taskId));
      if (attemptStatus(events.map((stored) => stored.event), data.stageId, data.attempt) !== 'startable') return null;
      expected = lastSeq;
    }
    throw new TransientError(`could not claim ${data.stageType} for task ${data.taskId}: the task subject keeps moving`);
  }

  private async run(command: RunStage, startedSeq: number): Promise<void> {
    const { taskId, stageId, attempt, stageType, context, lease, timeoutS } = command.data;
    const workspace = await this.workspaces.prepare(taskId, command.data.workspace);
    const secrets = this.config.apiKey ? [this.config.apiKey] : [];
    const shipper = new LogShipper(this.publisher, command, this.config.messaging.producer, this.config.logBatchMs, () => this.clock.nowIso());
    const stderrTail: string[] = [];
    let final: FinalResult | null = null;
    const onLine = ({ stream, line }: ProcessLine) => {
      const text = redact(line, secrets);
      const json = parseLine(text);
      if (stream === 'stdout' && json) final = readResult(json) ?? final;
      if (stream === 'stderr') {
        stderrTail.push(text);
        if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      }
      shipper.add(stream, text, json);
    };
    const args = ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', this.config.permissionMode];
    if (this.config.model) args.push('--model', this.config.model);
    if (this.config.maxTurns > 0) args.push('--max-turns', String(this.config.maxTurns));
    args.push('--', promptFor(stageType, context));
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      BACKEND_URL: `http://localhost:${lease.port}`,
      CLAUDE_CONFIG_DIR: workspace.configDir,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    };
    delete env.CLAUDE_API_KEY;
    if (this.config.apiKey) env.ANTHROPIC_API_KEY = this.config.apiKey;

    const child = this.processes.start(this.config.cliPath, args, { cwd: workspace.cwd, env, onLine });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.killGroup(child);
    }, timeoutS * 1000);
    const exit = await child.exit;
    clearTimeout(timer);
    // whatever the agent left running in its group (a dev server, a stray child) ends with its stage
    child.killGroup('SIGKILL');
    await shipper.flush();

    const now = this.clock.nowIso();
    const ref = { taskId, orchestrationId: command.data.orchestrationId, stageId, stageType, attempt };
    let outcome: OrchEvent;
    if (timedOut) {
      outcome = this.event(command, 'StageTimedOut', {
        ...ref,
        deadlineAt: new Date(Date.parse(command.occurredAt) + timeoutS * 1000).toISOString(),
        timedOutAt: now,
      });
    } else {
      const finalResult = final as FinalResult | null;
      const classified = classifyRun({
        stageType,
        exitCode: exit.exitCode,
        signal: exit.signal,
        spawnError: exit.spawnError,
        final: finalResult,
        verdict: stageType === 'qa' && finalResult ? readVerdict(finalResult.text) : null,
        stderrTail: stderrTail.join('\n'),
        cliPath: this.config.cliPath,
      });
      outcome =
        classified.kind === 'completed'
          ? this.event(command, 'StageCompleted', {
              ...ref,
              output: classified.output.slice(0, MAX_OUTPUT_CHARS),
              result: classified.result,
              diffStat: null,
              verdict: classified.verdict,
              completedAt: now,
            })
          : this.event(command, 'StageFailed', {
              ...ref,
              reason: redact(classified.reason, secrets),
              retryable: classified.retryable,
              exitCode: classified.exitCode,
              result: classified.result,
              failedAt: now,
            });
    }
    await this.report(outcome, startedSeq);
  }

  private killGroup(child: { killGroup(signal: NodeJS.Signals): void; exit: Promise<unknown> }): void {
    child.killGroup('SIGTERM');
    const force = setTimeout(() => child.killGroup('SIGKILL'), this.config.killGraceMs);
    void child.exit.finally(() => {
      clearTimeout(force);
      child.killGroup('SIGKILL');
    });
  }

  /** Appends the attempt's one outcome, unless the attempt was closed meanwhile. */
  private async report(outcome: OrchEvent, startedSeq: number): Promise<void> {
    const data = outcome.data as MessageData<'StageFailed'>;
    let expected = startedSeq;
    for (let round = 0; round < 20; round += 1) {
      const result = await this.publisher.append(outcome, expected);
      if (result.ok) {
        const verb = outcome.type === 'StageCompleted' ? 'completed' : outcome.type === 'StageFailed' ? `failed: ${data.reason}` : 'timed out';
        if (outcome.type === 'StageCompleted') this.logger.log(`Stage ${data.stageType} ${verb} for task ${data.taskId}`);
        else this.logger.error(`Stage ${data.stageType} ${verb} for task ${data.taskId}`);
        return;
      }
      const { events, lastSeq } = await this.reader.read(this.nats.subjects.task(data.taskId));
      if (attemptStatus(events.map((stored) => stored.event), data.stageId, data.attempt) !== 'started') {
        this.logger.warn(`Dropping ${outcome.type} for task ${data.taskId}: the attempt was closed meanwhile`);
        return;
      }
      expected = lastSeq;
    }
    this.logger.error(`Could not report ${outcome.type} for task ${data.taskId}: the task subject keeps moving`);
  }

  private event<T extends MessageType>(command: RunStage, type: T, data: MessageData<T>): OrchEvent {
    return causedMessage(command, type, command.data.taskId, data, { producer: this.config.messaging.producer, occurredAt: this.clock.nowIso() }) as OrchEvent;
  }
}
