import { qaVerdictSchema, type AgentResult, type QaVerdict } from '@app/contracts';

/** A stream-json line parsed: an object, or null when the line is not a JSON object. */
export function parseLine(line: string): Record<string, unknown> | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export interface FinalResult {
  result: AgentResult;
  /** the answer text */
  text: string;
}

/** Reads the CLI's final `{"type":"result"}` line; tolerant of missing fields. */
export function readResult(json: Record<string, unknown>): FinalResult | null {
  if (json.type !== 'result') return null;
  const usage = (typeof json.usage === 'object' && json.usage !== null ? json.usage : {}) as Record<string, unknown>;
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0);
  const denials = Array.isArray(json.permission_denials) ? json.permission_denials : [];
  return {
    text: typeof json.result === 'string' ? json.result : '',
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
      permissionDenials: denials.map((denial) =>
        typeof denial === 'object' && denial !== null && 'tool_name' in denial ? String((denial as { tool_name: unknown }).tool_name) : JSON.stringify(denial),
      ),
    },
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

/** Replaces every occurrence of each secret (and its base64 form) with a marker. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    out = out.split(secret).join('[REDACTED]');
    const encoded = Buffer.from(secret).toString('base64');
    out = out.split(encoded).join('[REDACTED]');
  }
  return out;
}
