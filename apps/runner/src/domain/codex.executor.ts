import type { AgentLogEntry, StageType } from '@app/contracts';
import { agentSecrets, commonAgentEnv } from './agent-command';
import type { AgentExecutor, ExecutorCommand, ExecutorEnvOptions, ExecutorRequest, Json, StreamReader } from './executor';
import { classifyRun, type CliNames, type RunFacts, type RunOutcome } from './outcome';
import { COMMAND_TEMPLATES, renderContext } from './prompt';
import type { ApiRetryHint } from './api-limit';
import { count, isObject, type ApiRefusal, type FinalResult, type InitFacts } from './stream-json';

export interface CodexOptions {
  cliPath: string;
  /** OPENAI_API_KEY of the runner; handed to the agent as OPENAI_API_KEY */
  apiKey: string | null;
  /** CODEX_MODEL: the default model; null = Codex's own */
  model: string | null;
}

/** The provider the runner names on the command line, so the API's address is the runner's to set (Codex reads no OPENAI_BASE_URL). */
const PROVIDER = 'orch';

/** Codex's equivalents of the project's slash commands: the same instructions, written into the prompt (Codex has no project commands). */
const STAGE_TEMPLATES: Readonly<Record<StageType, string | null>> = {
  specification: 'create-spec.md',
  implementation: null,
  qa: 'review.md',
};

/** A stage's prompt for Codex: the slash command's body with the context in place of `$ARGUMENTS`. */
export function codexPromptFor(stageType: StageType, context: Parameters<typeof renderContext>[0]): string {
  const text = renderContext(context);
  const template = STAGE_TEMPLATES[stageType];
  if (template === null) return text;
  const body = COMMAND_TEMPLATES[template].replace(/^---\n[\s\S]*?\n---\n/, '');
  return body.replace('$ARGUMENTS', text);
}

/**
 * The Codex CLI (`codex exec --json`, its native binary): the prompt on stdin, sessions in
 * the task's config dir as CODEX_HOME, resumed with `codex exec resume <thread>`. The model
 * API is a provider named on the command line, streamed over HTTP (no WebSocket), its key
 * from OPENAI_API_KEY. Confined by the runner (sandbox, container), Codex's own sandbox is
 * off: it cannot nest one there, and the runner's already holds it; on the host it writes
 * only its workspace (`workspace-write`).
 */
export class CodexExecutor implements AgentExecutor {
  readonly name = 'codex';
  readonly api = { variable: 'OPENAI_BASE_URL', defaultUrl: 'https://api.openai.com/v1' };
  readonly cliPath: string;

  constructor(private readonly options: CodexOptions) {
    this.cliPath = options.cliPath;
  }

  command(request: ExecutorRequest): ExecutorCommand {
    const model = request.model ?? this.options.model;
    const provider = `{name="${PROVIDER}",base_url=${JSON.stringify(request.apiBaseUrl)},env_key="OPENAI_API_KEY",wire_api="responses",supports_websockets=false}`;
    const args = [
      'exec',
      '--json',
      '--skip-git-repo-check',
      '--sandbox',
      request.confined ? 'danger-full-access' : 'workspace-write',
      '-c',
      'approval_policy="never"',
      '-c',
      `model_provider="${PROVIDER}"`,
      '-c',
      `model_providers.${PROVIDER}=${provider}`,
      '-c',
      'check_for_update_on_startup=false',
      '-c',
      'analytics.enabled=false',
    ];
    if (model !== null) args.push('--model', model);
    if (request.resumeSessionId !== null) args.push('resume', request.resumeSessionId);
    args.push('-');
    return { args, input: codexPromptFor(request.stageType, request.context), slashCommand: null };
  }

  env(base: Readonly<Record<string, string | undefined>>, options: ExecutorEnvOptions): Record<string, string> {
    const env = commonAgentEnv(base, options);
    env.CODEX_HOME = options.configDir;
    // Codex makes its sandbox helper (codex-linux-sandbox) only where CODEX_HOME is not under the temp dir: its own, inside the config dir
    env.TMPDIR = `${options.configDir}/.tmp`;
    const apiKey = this.options.apiKey ?? base.OPENAI_API_KEY;
    if (apiKey !== undefined) env.OPENAI_API_KEY = apiKey;
    return env;
  }

  secrets(base: Readonly<Record<string, string | undefined>>): string[] {
    return agentSecrets(base, this.options.apiKey);
  }

  reader(): StreamReader {
    return new CodexStreamReader();
  }

  classify(facts: RunFacts, endedAt: Date): RunOutcome {
    return classifyRun(facts, endedAt, CODEX_NAMES);
  }

  sessionNotFound(facts: RunFacts): boolean {
    return facts.resumedSessionId !== null && /no rollout found|thread\/resume failed/i.test(facts.stderrTail);
  }
}

const CODEX_NAMES: CliNames = {
  cli: 'the Codex CLI',
  pathVariable: 'CODEX_CLI_PATH',
  stream: 'codex exec --json',
  product: 'the Codex CLI',
  keyVariable: 'OPENAI_API_KEY',
  baseUrlVariable: 'OPENAI_BASE_URL',
  install: 'install it with npm ci (@openai/codex with its optional native package)',
  sessionStore: 'CODEX_HOME',
};

/** An HTTP status in Codex's words for a failed request (`unexpected status 401 Unauthorized`). */
function statusIn(message: string): number | null {
  const match = /\b(?:status|HTTP)\s*:?\s*(\d{3})\b/i.exec(message);
  return match ? Number(match[1]) : null;
}

/**
 * `codex exec --json` (JSONL): `thread.started`, `turn.started`, `item.started` /
 * `item.completed` (agent_message, command_execution, file_change, mcp_tool_call, error),
 * `turn.completed` with the turn's usage, `turn.failed`, and `error` (its retries).
 */
class CodexStreamReader implements StreamReader {
  init: InitFacts | null = null;
  final: FinalResult | null = null;
  refusal: ApiRefusal | null = null;
  /** Codex prints no retry delays: a limit it gave up on lifts after the orchestrator's backoff */
  readonly lastApiRetry: ApiRetryHint | null = null;
  private lastMessage = '';
  private turns = 0;
  private readonly called = new Set<string>();

  read(json: Json): AgentLogEntry[] {
    switch (json.type) {
      case 'thread.started':
        this.init ??= { sessionId: typeof json.thread_id === 'string' ? json.thread_id : null, slashCommands: null };
        return [];
      case 'item.started':
      case 'item.completed':
        return isObject(json.item) ? this.item(json.item, json.type === 'item.completed') : [];
      case 'turn.completed':
        return this.turnEnded(isObject(json.usage) ? json.usage : {}, null);
      case 'turn.failed': {
        const error = isObject(json.error) && typeof json.error.message === 'string' ? json.error.message : 'the turn failed';
        return this.turnEnded({}, error);
      }
      case 'error':
        this.noteRefusal(typeof json.message === 'string' ? json.message : '');
        return [];
      default:
        return [];
    }
  }

  private item(item: Json, completed: boolean): AgentLogEntry[] {
    const id = typeof item.id === 'string' ? item.id : '';
    switch (item.type) {
      case 'agent_message': {
        if (!completed || typeof item.text !== 'string') return [];
        this.lastMessage = item.text;
        return [{ kind: 'text', text: item.text }];
      }
      case 'command_execution':
      case 'file_change':
      case 'mcp_tool_call':
      case 'web_search': {
        const entries: AgentLogEntry[] = [];
        if (!this.called.has(id)) {
          this.called.add(id);
          entries.push({ kind: 'tool-call', callId: id, tool: toolName(item), input: JSON.stringify(toolInput(item)) });
        }
        if (completed) {
          const failed = item.status === 'failed' || (typeof item.exit_code === 'number' && item.exit_code !== 0);
          const output = typeof item.aggregated_output === 'string' ? item.aggregated_output : JSON.stringify(item.changes ?? item.result ?? item.error ?? '');
          entries.push({ kind: 'tool-result', callId: id, output, isError: failed });
        }
        return entries;
      }
      case 'error':
        if (typeof item.message === 'string') this.noteRefusal(item.message);
        return [];
      default:
        return [];
    }
  }

  private turnEnded(usage: Json, error: string | null): AgentLogEntry[] {
    this.turns += 1;
    if (error !== null) this.noteRefusal(error);
    const sessionId = this.init?.sessionId ?? '';
    const text = error ?? this.lastMessage;
    const tokens = { inputTokens: count(usage.input_tokens), outputTokens: count(usage.output_tokens), cacheCreationInputTokens: count(usage.cache_write_input_tokens), cacheReadInputTokens: count(usage.cached_input_tokens) };
    this.final = {
      text,
      apiErrorStatus: error === null ? null : statusIn(error),
      result: { isError: error !== null, subtype: error === null ? 'success' : 'error_during_execution', totalCostUsd: 0, usage: tokens, numTurns: this.turns, sessionId, durationMs: 0, permissionDenials: [] },
    };
    return [
      { kind: 'usage', inputTokens: tokens.inputTokens, outputTokens: tokens.outputTokens, cacheReadInputTokens: tokens.cacheReadInputTokens },
      { kind: 'result', isError: error !== null, text, sessionId, totalCostUsd: 0 },
    ];
  }

  private noteRefusal(message: string): void {
    const status = statusIn(message);
    if (this.refusal === null && (status === 401 || status === 403)) this.refusal = { status, error: 'authentication_failed' };
  }
}

function toolName(item: Json): string {
  if (item.type === 'command_execution') return 'exec_command';
  if (item.type === 'mcp_tool_call') return `${String(item.server ?? 'mcp')}.${String(item.tool ?? '')}`;
  return String(item.type);
}

function toolInput(item: Json): unknown {
  if (item.type === 'command_execution') return { command: item.command };
  if (item.type === 'file_change') return { changes: item.changes };
  if (item.type === 'web_search') return { query: item.query };
  return item.arguments ?? {};
}
