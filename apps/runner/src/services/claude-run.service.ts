import { Inject, Injectable, Logger } from '@nestjs/common';
import type { MessageOf } from '@app/contracts';
import { Clock } from '@app/config';
import { MessagePublisher } from '@app/messaging';
import { agentArgs, agentEnv, agentSecrets } from '../domain/agent-command';
import { BoundedTail } from '../domain/output-lines';
import type { ApiRetryHint } from '../domain/api-limit';
import type { RunFacts } from '../domain/outcome';
import { promptFor, STAGE_SLASH_COMMANDS } from '../domain/prompt';
import { Redactor } from '../domain/redaction';
import { parseLine, readApiRefusal, readApiRetry, readInit, readResult, readVerdict, type ApiRefusal, type FinalResult, type InitFacts } from '../domain/stream-json';
import { ProcessRepository, type ProcessLine } from '../repositories/process.repository';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';
import { AgentRecords } from './agent-records.service';
import { AgentSandbox } from './agent-sandbox.service';
import { LogShipper } from './log-shipper';
import type { Workspace } from './workspace.service';

/** characters of one output line the runner reads; the result line must fit */
const MAX_LINE_CHARS = 4 * 1024 * 1024;
/** characters of stderr kept for the failure reason */
const STDERR_TAIL_CHARS = 8 * 1024;

/** Why the runner ended the agent before it ended by itself. */
export type StopCause = 'timeout' | 'closed' | 'shutdown' | 'refused';

export interface ClaudeRunResult {
  /** null when the agent ended by itself */
  stoppedBy: StopCause | null;
  /** words for `closed` and `shutdown` */
  stopReason: string;
  facts: RunFacts;
}

export interface ClaudeRun {
  /** the agent's pid (its process group's id), once started */
  pid: number | undefined;
  /** Ends the agent's whole process group (SIGTERM, SIGKILL after the grace); the first cause counts. */
  stop(cause: StopCause, reason: string): void;
  done: Promise<ClaudeRunResult>;
}

/**
 * One run of the Claude Code CLI for a stage: the command line, the environment, its
 * stream-json read line by line (secrets redacted first), shipped to ORCH_LOGS, the final
 * result and the stderr tail kept, the wall-clock deadline enforced.
 */
@Injectable()
export class ClaudeRunService {
  private readonly logger = new Logger('Runner');
  /** redacts the secrets no output may show: the configured key and any the environment hands the CLI */
  readonly redactor: Redactor;

  constructor(
    private readonly processes: ProcessRepository,
    private readonly records: AgentRecords,
    private readonly publisher: MessagePublisher,
    private readonly clock: Clock,
    private readonly sandbox: AgentSandbox,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {
    this.redactor = new Redactor(agentSecrets(process.env, config.apiKey));
  }

  async start(command: MessageOf<'RunStage'>, workspace: Workspace, resumeSessionId: string | null, deadline: Date): Promise<ClaudeRun> {
    const { stageType, context, lease } = command.data;
    const redactor = this.redactor;
    const stderrTail = new BoundedTail(STDERR_TAIL_CHARS);
    let init: InitFacts | null = null;
    let final: FinalResult | null = null;
    let apiRefusal: ApiRefusal | null = null;
    let lastApiRetry: ApiRetryHint | null = null;
    let stdoutLines = 0;
    let nonJsonLines = 0;
    let stoppedBy: StopCause | null = null;
    let stopReason = '';

    const args = agentArgs(this.config, resumeSessionId);
    const env = agentEnv(process.env, { backendPort: lease.port, configDir: workspace.configDir, apiKey: this.config.apiKey, passthrough: this.config.agentEnvPassthrough });
    const launch = await this.sandbox.launch(workspace, lease, this.config.cliPath, args, env);
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
      if (stream === 'stdout') {
        stdoutLines += 1;
        if (json === null) nonJsonLines += 1;
        else {
          init ??= readInit(json);
          final = readResult(json) ?? final;
          lastApiRetry = readApiRetry(json) ?? lastApiRetry;
          const refusal = readApiRefusal(json);
          if (refusal !== null && apiRefusal === null) {
            apiRefusal = refusal;
            stop('refused', `the API refused the key (HTTP ${refusal.status})`);
          }
        }
      } else {
        stderrTail.push(text);
      }
      shipper.add(stream, text, json);
    };

    const child = this.processes.start(launch.file, launch.args, {
      cwd: workspace.cwd,
      input: promptFor(stageType, context),
      env: launch.env,
      onLine,
      maxLineChars: MAX_LINE_CHARS,
      killGraceMs: this.config.killGraceMs,
    });
    // written down while it runs, so a runner starting after this one was SIGKILLed ends its group
    const recorded = child.pid === undefined ? Promise.resolve() : this.records.record(child.pid, { taskId: command.data.taskId, stageId: command.data.stageId, attempt: command.data.attempt });
    const timer = setTimeout(() => stop('timeout', 'the stage ran past its deadline'), Math.max(0, deadline.getTime() - this.clock.now().getTime()));
    const done = (async (): Promise<ClaudeRunResult> => {
      const exit = await child.exit;
      clearTimeout(timer);
      await launch.close();
      await recorded;
      if (child.pid !== undefined) await this.records.forget(child.pid);
      await shipper.flush();
      const finalResult = final as FinalResult | null;
      return {
        stoppedBy,
        stopReason,
        facts: {
          stageType,
          exitCode: exit.exitCode,
          signal: exit.signal,
          spawnError: exit.spawnError === null ? null : redactor.redact(exit.spawnError),
          init,
          final: finalResult,
          apiRefusal,
          lastApiRetry,
          slashCommand: STAGE_SLASH_COMMANDS[stageType],
          resumedSessionId: resumeSessionId,
          verdict: stageType === 'qa' && finalResult !== null ? readVerdict(finalResult.text) : null,
          stderrTail: stderrTail.text(),
          stdoutLines,
          nonJsonLines,
          cliPath: this.config.cliPath,
        },
      };
    })();
    this.logger.debug(`Started ${this.config.cliPath} (pid ${child.pid ?? 'none'}) for ${stageType} of task ${command.data.taskId}${resumeSessionId ? `, resuming ${resumeSessionId}` : ''}`);
    return { pid: child.pid, stop, done };
  }
}
