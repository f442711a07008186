import type { MessageType, TimeOutCause } from './messages';

/** Turns `data` of version `from` into version `from + 1`. */
export type Upcaster = (data: unknown) => unknown;

/**
 * StageTimedOut 1 → 2: version 1 had an optional `reason` and no `cause`. The cause is read
 * back from the words each producer wrote (the orchestrator's heartbeat watchdog and start
 * deadline, the runner's kill); any other was the running deadline.
 */
export function upcastStageTimedOutV1(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data;
  const reasonOf = 'reason' in data && typeof data.reason === 'string' && data.reason.length > 0 ? data.reason : null;
  const deadlineAt = 'deadlineAt' in data ? String(data.deadlineAt) : 'its deadline';
  const reason = reasonOf ?? `timed out at ${deadlineAt}`;
  const cause: TimeOutCause = /heartbeat/.test(reason)
    ? 'heartbeat-lost'
    : /no runner started/.test(reason)
      ? 'never-started'
      : /ran longer than/.test(reason)
        ? 'agent-timeout'
        : 'deadline';
  return { ...data, reason, cause };
}

/** StageStarted 1 → 2: before executors every stage ran Claude Code, with the runner's configured model. */
export function upcastStageStartedV1(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data;
  return { executor: 'claude-code', model: null, ...data };
}

/** RunOutputLogged 1 → 2: lines had no typed `entries`; they are upcast with none (the raw `json` is still there). */
export function upcastRunOutputLoggedV1(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || !('lines' in data) || !Array.isArray(data.lines)) return data;
  return { ...data, lines: data.lines.map((line: unknown) => (typeof line === 'object' && line !== null ? { entries: [], ...line } : line)) };
}

/**
 * Upcasters by message type and the version they read: a breaking change to a type's data
 * bumps its version in the catalogue and adds its upcaster here, so that old messages in
 * the log still replay.
 */
export const UPCASTERS: Partial<Record<MessageType, Record<number, Upcaster>>> = {
  StageTimedOut: { 1: upcastStageTimedOutV1 },
  StageStarted: { 1: upcastStageStartedV1 },
  RunOutputLogged: { 1: upcastRunOutputLoggedV1 },
};
