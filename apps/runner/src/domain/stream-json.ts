import { qaVerdictSchema, type AgentResult, type QaVerdict } from '@app/contracts';
import type { ApiRetryHint } from './api-limit';

type Json = Record<string, unknown>;

/** A stream-json line parsed: an object, or null when the line is not a JSON object. */
export function parseLine(line: string): Json | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

export interface FinalResult {
  result: AgentResult;
  /** the answer text */
  text: string;
  /** the HTTP status of the API error that ended the run, when one did (401, 429, 529, …) */
  apiErrorStatus: number | null;
}

/** Reads the CLI's final `{"type":"result"}` line; tolerant of missing fields. */
export function readResult(json: Json): FinalResult | null {
  if (json.type !== 'result') return null;
  const usage = isObject(json.usage) ? json.usage : {};
  const denials = Array.isArray(json.permission_denials) ? (json.permission_denials as unknown[]) : [];
  return {
    text: typeof json.result === 'string' ? json.result : '',
    apiErrorStatus: typeof json.api_error_status === 'number' ? json.api_error_status : null,
    result: {
      isError: json.is_error === true,
      subtype: typeof json.subtype === 'string' ? json.subtype : 'unknown',
      totalCostUsd: typeof json.total_cost_usd === 'number' && json.total_cost_usd >= 0 ? json.total_cost_usd : 0,
      usage: {
        inputTokens: count(usage.input_tokens),
        outputTokens: count(usage.output_tokens),
        cacheCreationInputTokens: count(usage.cache_creation_input_tokens),
        cacheReadInputTokens: count(usage.cache_read_input_tokens),
      },
      numTurns: count(json.num_turns),
      sessionId: typeof json.session_id === 'string' ? json.session_id : '',
      durationMs: count(json.duration_ms),
      permissionDenials: denials.map((denial) => (isObject(denial) && typeof denial.tool_name === 'string' ? denial.tool_name : JSON.stringify(denial))),
    },
  };
}

export interface InitFacts {
  sessionId: string | null;
  /** the slash commands the CLI found (its own and those in `.claude/commands/`); null when the line does not list them */
  slashCommands: string[] | null;
}

/** Reads the CLI's first `{"type":"system","subtype":"init"}` line. */
export function readInit(json: Json): InitFacts | null {
  if (json.type !== 'system' || json.subtype !== 'init') return null;
  return {
    sessionId: typeof json.session_id === 'string' ? json.session_id : null,
    slashCommands: Array.isArray(json.slash_commands) ? json.slash_commands.filter((name): name is string => typeof name === 'string') : null,
  };
}

export interface ApiRefusal {
  /** HTTP status */
  status: number;
  /** the CLI's name for the error, e.g. `authentication_failed` */
  error: string;
}

const REFUSING_STATUSES = new Set([401, 403]);

/** An HTTP status no retry fixes: the key refused or forbidden. */
export function isRefusingStatus(status: number): boolean {
  return REFUSING_STATUSES.has(status);
}

/**
 * An `api_retry` line for an error no retry can fix (the key refused or forbidden). The CLI
 * retries those too, for minutes (`CLAUDE_CODE_MAX_RETRIES`, default 10, with backoff); the
 * runner stops it at the first one instead.
 */
export function readApiRefusal(json: Json): ApiRefusal | null {
  if (json.type !== 'system' || json.subtype !== 'api_retry') return null;
  const status = typeof json.error_status === 'number' ? json.error_status : null;
  const error = typeof json.error === 'string' ? json.error : '';
  if ((status !== null && isRefusingStatus(status)) || error === 'authentication_failed') {
    return { status: status ?? 401, error: error || 'authentication_failed' };
  }
  return null;
}

/** Any `api_retry` line: what the CLI retries (429, 529, …) and the delay it chose, which the runner keeps as a hint of when a limit lifts. */
export function readApiRetry(json: Json): ApiRetryHint | null {
  if (json.type !== 'system' || json.subtype !== 'api_retry') return null;
  return {
    status: typeof json.error_status === 'number' ? json.error_status : null,
    error: typeof json.error === 'string' ? json.error : '',
    retryDelayMs: typeof json.retry_delay_ms === 'number' && json.retry_delay_ms >= 0 ? json.retry_delay_ms : null,
  };
}

/** The last ```verdict block of a review, if it holds a valid verdict. */
export function readVerdict(text: string): QaVerdict | null {
  const blocks = [...text.matchAll(/```verdict\s*\n([\s\S]*?)```/g)];
  const last = blocks.at(-1)?.[1];
  if (last === undefined) return null;
  try {
    const parsed = qaVerdictSchema.safeParse(JSON.parse(last));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A non-negative whole count, 0 for anything else. */
export function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
