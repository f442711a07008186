import { Inject, Injectable } from '@nestjs/common';
import type { ExecutorName } from '@app/contracts';
import { ClaudeCodeExecutor } from '../domain/claude-code.executor';
import { CodexExecutor } from '../domain/codex.executor';
import type { AgentExecutor } from '../domain/executor';
import { Redactor } from '../domain/redaction';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';

/** The agent CLIs this runner can run, by name, and the redactor for every secret any of them is handed. */
@Injectable()
export class Executors {
  private readonly byName: ReadonlyMap<ExecutorName, AgentExecutor>;
  /** redacts the secrets no output may show: the configured keys and those the environment hands a CLI */
  readonly redactor: Redactor;

  constructor(@Inject(RUNNER_CONFIG) config: RunnerConfig) {
    const executors: AgentExecutor[] = [new ClaudeCodeExecutor(config), new CodexExecutor(config.codex)];
    this.byName = new Map(executors.map((executor) => [executor.name, executor]));
    this.redactor = new Redactor(executors.flatMap((executor) => executor.secrets(process.env)));
  }

  get(name: ExecutorName): AgentExecutor {
    const executor = this.byName.get(name);
    if (executor === undefined) throw new Error(`the runner has no executor ${name}`);
    return executor;
  }
}
