import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AgentLogEntry, MessageOf } from '@app/contracts';
import { Clock } from '@app/config';
import { MessagePublisher } from '@app/messaging';
import type { AgentExecutor } from '../domain/executor';
import { BoundedTail } from '../domain/output-lines';
import type { RunFacts } from '../domain/outcome';
import type { Redactor } from '../domain/redaction';
import { parseLine, readVerdict } from '../domain/stream-json';
import { ProcessRepository, type ProcessLine } from '../repositories/process.repository';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';
import { AgentRecords } from './agent-records.service';
import { AgentSandbox } from './agent-sandbox.service';
import { Executors } from './executors.service';
import { LogShipper } from './log-shipper';
import type { Workspace } from './workspace.service';

/** characters of one output line the runner reads; the result line must fit */
const MAX_LINE_CHARS = 4 * 1024 * 1024;
/** characters of stderr kept for the failure reason */
const STDERR_TAIL_CHARS = 8 * 1024;

/** Why the runner ended the agent before it ended by itself. */
export type StopCause = 'timeout' | 'closed' | 'shutdown' | 'refused';

export interface AgentRunResult {
  /** null when the agent ended by itself */
  stoppedBy: StopCause | null;
  /** words for `closed` and `shutdown` */
  stopReason: string;
  /** the executor that ran: it classifies the facts */
  executor: AgentExecutor;
  facts: RunFacts;
}

export interface AgentRun {
  /** the agent's pid (its process group's id), once started */
  pid: number | undefined;
  /** Ends the agent's whole process group (SIGTERM, SIGKILL after the grace); the first cause counts. */
  stop(cause: StopCause, reason: string): void;
  done: Promise<AgentRunResult>;
}

/**
 * One run of a stage's agent CLI (its executor): the command line, the environment, its
 * output read line by line (secrets redacted first) into the executor's reader, shipped to
 * ORCH_LOGS, the final result and the stderr tail kept, the wall-clock deadline enforced.
 */
@Injectable()
export class AgentRunService {
  private readonly logger = new Logger('Runner');

  constructor(
    private readonly executors: Executors,
    private readonly processes: ProcessRepository,
    private readonly records: AgentRecords,
    private readonly publisher: MessagePublisher,
    private readonly clock: Clock,
    private readonly sandbox: AgentSandbox,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  get redactor(): Redactor {
    return this.executors.redactor;
  }

  /** The executor and model a stage's run uses: the task's (or its project's), else STAGE_EXECUTORS, else Claude Code with its configured model. */
  executorFor(command: MessageOf<'RunStage'>): { executor: AgentExecutor; model: string | null } {
    const choice = command.data.executor ?? this.config.stageExecutors[command.data.stageType] ?? { executor: 'claude-code', model: null };
    return { executor: this.executors.get(choice.executor), model: choice.model };
  }

  async start(command: MessageOf<'RunStage'>, workspace: Workspace, resumeSessionId: string | null, deadline: Date): Promise<AgentRun> {
    const { stageType, context, lease } = command.data;
    const redactor = this.redactor;
    const { executor, model } = this.executorFor(command);
    const reader = executor.reader();
    const stderrTail = new BoundedTail(STDERR_TAIL_CHARS);
    let refused = false;
    let stdoutLines = 0;
    let nonJsonLines = 0;
    let stoppedBy: StopCause | null = null;
    let stopReason = '';

    const run = executor.command({ stageType, context, model, resumeSessionId, apiBaseUrl: this.sandbox.apiBaseUrl(lease, executor.api), confined: this.sandbox.executionFor(lease) !== 'host', maxBudgetUsd: command.data.maxBudgetUsd ?? null });
    const env = executor.env(process.env, { backendPort: lease.port, configDir: workspace.configDir, passthrough: this.config.agentEnvPassthrough });
    const launch = await this.sandbox.launch(workspace, lease, executor.cliPath, run.args, env, executor.api);
    const shipper = new LogShipper(this.publisher, command, this.config.messaging.producer, this.config.logBatchMs, () => this.clock.nowIso(), (paused) =>
      paused ? child.pauseOutput() : child.resumeOutput(),
    );
    const stop = (cause: StopCause, reason: string) => {
      if (stoppedBy !== null) return;
      stoppedBy = cause;
      stopReason = reason;
      child.terminate();
    };
    const onLine = ({ stream, line }: ProcessLine) => {
      const text = redactor.redact(line);
      const json = parseLine(text);
      let entries: AgentLogEntry[] = [];
      if (stream === 'stdout') {
        stdoutLines += 1;
        if (json === null) nonJsonLines += 1;
        else {
          entries = reader.read(json);
          if (reader.refusal !== null && !refused) {
            refused = true;
            stop('refused', `the API refused the key (HTTP ${reader.refusal.status})`);
          }
        }
      } else {
        stderrTail.push(text);
      }
      shipper.add(stream, text, json, entries);
    };

    const child = this.processes.start(launch.file, launch.args, {
      cwd: workspace.cwd,
      input: run.input,
      env: launch.env,
      onLine,
      maxLineChars: MAX_LINE_CHARS,
      killGraceMs: this.config.killGraceMs,
    });
    // written down while it runs, so a runner starting after this one was SIGKILLed ends its group
    const recorded = child.pid === undefined ? Promise.resolve() : this.records.record(child.pid, { taskId: command.data.taskId, stageId: command.data.stageId, attempt: command.data.attempt });
    const timer = setTimeout(() => stop('timeout', 'the stage ran past its deadline'), Math.max(0, deadline.getTime() - this.clock.now().getTime()));
    const done = (async (): Promise<AgentRunResult> => {
      const exit = await child.exit;
      clearTimeout(timer);
      await launch.close();
      await recorded;
      if (child.pid !== undefined) await this.records.forget(child.pid);
      await shipper.flush();
      const finalResult = reader.final;
      return {
        stoppedBy,
        stopReason,
        executor,
        facts: {
          stageType,
          exitCode: exit.exitCode,
          signal: exit.signal,
          spawnError: exit.spawnError === null ? null : redactor.redact(exit.spawnError),
          init: reader.init,
          final: finalResult,
          apiRefusal: reader.refusal,
          lastApiRetry: reader.lastApiRetry,
          slashCommand: run.slashCommand,
          resumedSessionId: resumeSessionId,
          verdict: stageType === 'qa' && finalResult !== null ? readVerdict(finalResult.text) : null,
          stderrTail: stderrTail.text(),
          stdoutLines,
          nonJsonLines,
          cliPath: executor.cliPath,
        },
      };
    })();
    this.logger.debug(`Started ${executor.cliPath} (pid ${child.pid ?? 'none'}) for ${stageType} of task ${command.data.taskId}${resumeSessionId ? `, resuming ${resumeSessionId}` : ''}`);
    return { pid: child.pid, stop, done };
  }
}
