import { createHash, createHmac } from 'node:crypto';
import { deterministicId, type OrchEvent } from '@app/contracts';

/** What a webhook tells: the names in a delivery's `event` field (a public API, like the message types). */
export const WEBHOOK_EVENTS = ['waiting-for-approval', 'done', 'failed', 'pull-request-opened', 'budget-warning', 'budget-reached'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The header a delivery's signature travels in: `sha256=<hex HMAC-SHA256 of the raw body with WEBHOOK_SECRET>`, as GitHub signs its own. */
export const SIGNATURE_HEADER = 'X-Orchestrator-Signature-256';

/** One event of a task a person is told about. */
export interface WebhookNotification {
  event: WebhookEvent;
  taskId: string;
  /** the envelope id of the event it tells about */
  eventId: string;
  occurredAt: string;
  /** what the event adds: the reason a task failed, the pull request's URL */
  details: Record<string, string | number>;
}

/** The task as a delivery shows it: read from the read model when the event is taken in. */
export interface WebhookTask {
  id: string;
  title: string | null;
}

/** The notification an event of the log makes, or null for the events nobody is told about. */
export function notificationOf(event: OrchEvent): WebhookNotification | null {
  const base = { taskId: event.aggregateId, eventId: event.id, occurredAt: event.occurredAt };
  switch (event.type) {
    case 'TaskWaiting': {
      const { waitingFor } = event.data;
      if (waitingFor.kind === 'budget') return { ...base, event: 'budget-reached', details: { budgetUsd: waitingFor.budgetUsd, spentUsd: waitingFor.spentUsd } };
      return { ...base, event: 'waiting-for-approval', details: { gate: waitingFor.gate, revision: waitingFor.revision } };
    }
    case 'OrchestrationCompleted':
      return { ...base, event: 'done', details: {} };
    case 'OrchestrationFailed':
      return { ...base, event: 'failed', details: { reason: event.data.reason } };
    case 'TaskPullRequestOpened':
      return { ...base, event: 'pull-request-opened', details: { pullRequestUrl: event.data.url, number: event.data.number } };
    case 'TaskBudgetWarning':
      return { ...base, event: 'budget-warning', details: { budgetUsd: event.data.budgetUsd, spentUsd: event.data.spentUsd } };
    default:
      return null;
  }
}

const HEADLINES: Record<WebhookEvent, string> = {
  'waiting-for-approval': 'is waiting for your approval',
  done: 'is done',
  failed: 'failed',
  'pull-request-opened': 'opened a pull request',
  'budget-warning': 'has spent 80 % of its budget',
  'budget-reached': 'reached its budget and waits for a raise',
};

/**
 * The JSON body sent to `target`: `{ event, task, link, occurredAt, details, deliveryId }`, or
 * `{ text }` for a Slack incoming webhook (hooks.slack.com), which takes nothing else.
 */
export function webhookBody(notification: WebhookNotification, task: WebhookTask, boardUrl: string | null, target: URL, deliveryId: string): Record<string, unknown> {
  const link = boardUrl === null ? null : `${boardUrl.replace(/\/+$/, '')}/#/tasks/${task.id}`;
  if (isSlack(target)) {
    const name = task.title === null ? `Task ${task.id}` : `Task “${task.title}”`;
    const extra = Object.values(notification.details).filter((value) => typeof value === 'string');
    return { text: [`${name} ${HEADLINES[notification.event]}`, ...extra, ...(link === null ? [] : [`<${link}|Open it on the board>`])].join('\n') };
  }
  return { event: notification.event, task, link, occurredAt: notification.occurredAt, details: notification.details, deliveryId };
}

export function isSlack(target: URL): boolean {
  return target.hostname === 'hooks.slack.com';
}

/** The signature header's value for `body` (the exact bytes sent). */
export function signatureOf(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** A target's key in the deliveries table: a hash, since the URL itself may be a credential (Slack's are). */
export function targetKeyOf(url: string): string {
  return createHash('sha256').update(url, 'utf8').digest('hex').slice(0, 32);
}

/** What a delivery row shows of its target: the URL's origin only. */
export function targetLabelOf(url: URL): string {
  return url.origin;
}

/** One delivery per event and target, whatever redelivers the event. */
export function deliveryIdOf(eventId: string, targetKey: string): string {
  return deterministicId('webhook-delivery', eventId, targetKey);
}

/** milliseconds before attempt `attempts + 1`: `baseMs` doubling, at most 10 minutes */
export function retryDelayMs(attempts: number, baseMs: number): number {
  return Math.min(10 * 60_000, baseMs * 2 ** Math.max(0, attempts - 1));
}
