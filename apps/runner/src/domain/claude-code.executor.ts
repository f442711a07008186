import type { AgentLogEntry } from '@app/contracts';
import { agentArgs, agentEnv, agentSecrets, type AgentCommandOptions } from './agent-command';
import type { AgentExecutor, ExecutorCommand, ExecutorEnvOptions, ExecutorRequest, Json, StreamReader } from './executor';
import { classifyRun, sessionNotFound, type RunFacts, type RunOutcome } from './outcome';
import { promptFor, STAGE_SLASH_COMMANDS } from './prompt';
import type { ApiRetryHint } from './api-limit';
import { isObject, readApiRefusal, readApiRetry, readInit, readResult, type ApiRefusal, type FinalResult, type InitFacts } from './stream-json';

export interface ClaudeCodeOptions extends AgentCommandOptions {
  cliPath: string;
  /** CLAUDE_API_KEY; null = the runner's own ANTHROPIC_API_KEY, if any */
  apiKey: string | null;
}

/**
 * Claude Code (`claude -p --output-format stream-json`): the prompt on stdin, the project's
 * slash commands in `.claude/commands/`, sessions in the task's CLAUDE_CONFIG_DIR.
 */
export class ClaudeCodeExecutor implements AgentExecutor {
  readonly name = 'claude-code';
  readonly api = { variable: 'ANTHROPIC_BASE_URL', defaultUrl: 'https://api.anthropic.com' };
  readonly cliPath: string;

  constructor(private readonly options: ClaudeCodeOptions) {
    this.cliPath = options.cliPath;
  }

  command(request: ExecutorRequest): ExecutorCommand {
    return {
      args: agentArgs({ ...this.options, model: request.model ?? this.options.model }, request.resumeSessionId, request.maxBudgetUsd),
      input: promptFor(request.stageType, request.context),
      slashCommand: STAGE_SLASH_COMMANDS[request.stageType],
    };
  }

  env(base: Readonly<Record<string, string | undefined>>, options: ExecutorEnvOptions): Record<string, string> {
    return agentEnv(base, { ...options, apiKey: this.options.apiKey });
  }

  secrets(base: Readonly<Record<string, string | undefined>>): string[] {
    return agentSecrets(base, this.options.apiKey);
  }

  reader(): StreamReader {
    return new ClaudeStreamReader();
  }

  classify(facts: RunFacts, endedAt: Date): RunOutcome {
    return classifyRun(facts, endedAt);
  }

  sessionNotFound(facts: RunFacts): boolean {
    return sessionNotFound(facts);
  }
}

/** stream-json: `system/init`, `assistant` and `user` messages with content blocks, `system/api_retry`, the final `result`. */
class ClaudeStreamReader implements StreamReader {
  init: InitFacts | null = null;
  final: FinalResult | null = null;
  refusal: ApiRefusal | null = null;
  lastApiRetry: ApiRetryHint | null = null;

  read(json: Json): AgentLogEntry[] {
    this.init ??= readInit(json);
    this.refusal ??= readApiRefusal(json);
    this.lastApiRetry = readApiRetry(json) ?? this.lastApiRetry;
    const final = readResult(json);
    if (final !== null) {
      this.final = final;
      const { result } = final;
      return [
        { kind: 'usage', inputTokens: result.usage.inputTokens, outputTokens: result.usage.outputTokens, cacheReadInputTokens: result.usage.cacheReadInputTokens },
        { kind: 'result', isError: result.isError, text: final.text, sessionId: result.sessionId, totalCostUsd: result.totalCostUsd },
      ];
    }
    if (json.type !== 'assistant' && json.type !== 'user') return [];
    const message = isObject(json.message) ? json.message : {};
    const content = Array.isArray(message.content) ? (message.content as unknown[]) : [];
    return content.filter(isObject).flatMap((block): AgentLogEntry[] => {
      if (block.type === 'text' && typeof block.text === 'string') return [{ kind: 'text', text: block.text }];
      if (block.type === 'tool_use') return [{ kind: 'tool-call', callId: String(block.id ?? ''), tool: String(block.name ?? ''), input: JSON.stringify(block.input ?? {}) }];
      if (block.type === 'tool_result') return [{ kind: 'tool-result', callId: String(block.tool_use_id ?? ''), output: textOf(block.content), isError: block.is_error === true }];
      return [];
    });
  }
}

/** A tool result's content: a string, or text blocks. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isObject)
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .join('');
}
