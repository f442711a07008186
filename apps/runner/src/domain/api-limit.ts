import type { ApiLimitKind } from '@app/contracts';

/**
 * The model API's limits, read from how a CLI run ended: a rate limit (HTTP 429) or an
 * overload (HTTP 529) the CLI gave up on after its own retries, or a subscription's usage
 * limit ("… usage limit reached … resets at 2pm"). Such a run is parked, not failed: a
 * retry would only meet the same limit. Pure functions, so any executor can call them.
 */
export interface ApiLimit {
  kind: ApiLimitKind;
  /** the HTTP status the CLI reported, when it did */
  status: number | null;
  /** when the limit lifts, when the CLI said (a usage limit's reset, or the last retry's delay); null = unknown */
  resetAt: Date | null;
  /** the CLI's own words, for the reason */
  detail: string;
}

/** The last `api_retry` line the CLI printed: what it was retrying and how long it meant to wait. */
export interface ApiRetryHint {
  status: number | null;
  /** the CLI's name for the error (`rate_limit`, `overloaded`, …) */
  error: string;
  /** milliseconds the CLI would have waited before its next try (derived from `retry-after`) */
  retryDelayMs: number | null;
}

/** What of a finished run tells of a limit: its result text and status, the last retry line, stderr. */
export interface LimitFacts {
  resultText: string | null;
  apiErrorStatus: number | null;
  lastRetry: ApiRetryHint | null;
  stderrTail: string;
}

const USAGE_LIMIT = /usage limit reached|hit your (?:usage )?limit|(?:5-hour|weekly|session|opus) limit reached/i;
const RATE_LIMIT_TEXT = /\b429\b|rate[ _-]?limit/i;
const OVERLOADED_TEXT = /\b529\b|overloaded/i;

/** The limit a run ended on, or null when it ended on none. `now` is when it ended (for relative reset times). */
export function readApiLimit(facts: LimitFacts, now: Date): ApiLimit | null {
  const text = `${facts.resultText ?? ''}\n${facts.stderrTail}`.trim();
  const detail = firstLine(facts.resultText ?? '') || firstLine(facts.stderrTail) || `HTTP ${facts.apiErrorStatus ?? facts.lastRetry?.status ?? 'unknown'}`;
  if (USAGE_LIMIT.test(text)) {
    return { kind: 'usage-limit', status: facts.apiErrorStatus, resetAt: parseResetTime(text, now), detail };
  }
  const status = facts.apiErrorStatus;
  const retriedAfter = facts.lastRetry?.retryDelayMs ?? null;
  const hinted = retriedAfter === null ? null : new Date(now.getTime() + retriedAfter);
  if (status === 429 || (status === null && facts.resultText !== null && RATE_LIMIT_TEXT.test(facts.resultText) && /api error/i.test(facts.resultText))) {
    return { kind: 'rate-limit', status: 429, resetAt: hinted, detail };
  }
  if (status === 529 || (status === null && facts.resultText !== null && OVERLOADED_TEXT.test(facts.resultText) && /api error/i.test(facts.resultText))) {
    return { kind: 'overloaded', status: 529, resetAt: hinted, detail };
  }
  return null;
}

/**
 * When a usage limit resets, from the CLI's words: `usage limit reached|<epoch seconds>`,
 * `resets at 2025-07-01T14:05:00Z`, or `resets 2pm` / `resets at 14:05` with an optional
 * IANA zone in parentheses (`resets 3pm (Europe/Berlin)`; UTC when none): the next such
 * time after `now`. Null when the text names none.
 */
export function parseResetTime(text: string, now: Date): Date | null {
  const epoch = /limit reached\|(\d{9,13})/i.exec(text);
  if (epoch?.[1]) {
    const value = Number(epoch[1]);
    return new Date(epoch[1].length > 10 ? value : value * 1000);
  }
  const iso = /resets?\s+(?:at\s+)?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))/i.exec(text);
  if (iso?.[1]) {
    const at = new Date(iso[1]);
    return Number.isNaN(at.getTime()) ? null : at;
  }
  const clock = /resets?\s+(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?(?:\s*\(([A-Za-z]+(?:\/[A-Za-z0-9_+-]+)*)\))?/i.exec(text);
  if (!clock?.[1]) return null;
  let hour = Number(clock[1]);
  const minute = clock[2] === undefined ? 0 : Number(clock[2]);
  const meridiem = clock[3]?.toLowerCase();
  if (clock[2] === undefined && meridiem === undefined) return null; // a bare number is no time of day
  if (meridiem !== undefined) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (meridiem === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59) return null;
  const zone = clock[4] ?? 'UTC';
  return nextWallClock(hour, minute, zone, now);
}

/** The first instant after `now` when the clock in `zone` shows hour:minute; null for an unknown zone. */
function nextWallClock(hour: number, minute: number, zone: string, now: Date): Date | null {
  let local: { year: number; month: number; day: number };
  try {
    local = wallDate(now, zone);
  } catch {
    return null;
  }
  for (let dayOffset = 0; dayOffset <= 2; dayOffset++) {
    const guess = Date.UTC(local.year, local.month - 1, local.day + dayOffset, hour, minute);
    // the zone's offset at that moment (two passes settle a change of offset)
    let at = guess - offsetMs(new Date(guess), zone);
    at = guess - offsetMs(new Date(at), zone);
    if (at > now.getTime()) return new Date(at);
  }
  return null;
}

function wallDate(at: Date, zone: string): { year: number; month: number; day: number } {
  const parts = partsIn(at, zone);
  return { year: parts.year, month: parts.month, day: parts.day };
}

/** How far the zone's wall clock is ahead of UTC at `at`, in ms. */
function offsetMs(at: Date, zone: string): number {
  const p = partsIn(at, zone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second);
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}

function partsIn(at: Date, zone: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const value = (type: Intl.DateTimeFormatPartTypes) => Number(format.formatToParts(at).find((part) => part.type === type)?.value);
  return { year: value('year'), month: value('month'), day: value('day'), hour: value('hour'), minute: value('minute'), second: value('second') };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 300) ?? '';
}
