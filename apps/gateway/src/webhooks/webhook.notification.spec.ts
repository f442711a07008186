import { createHmac } from 'node:crypto';
import { factory } from '@app/testing';
import { notificationOf, retryDelayMs, signatureOf, targetKeyOf, webhookBody } from './webhook.notification';

const { ids } = factory;

describe('webhook notifications', () => {
  it('given the events of a task, then waiting for approval, done, failed and pull-request-opened are told, the others not', () => {
    expect(notificationOf(factory.orchestrationCompleted(1))).toMatchObject({ event: 'done', taskId: ids.task(1), details: {} });
    expect(notificationOf(factory.orchestrationFailed(1, 'QA rejected it'))).toMatchObject({ event: 'failed', details: { reason: 'QA rejected it' } });
    expect(notificationOf(factory.taskPullRequestOpened(1, 9))).toMatchObject({ event: 'pull-request-opened', details: { number: 9 } });
    expect(notificationOf(factory.taskWaiting(1, { kind: 'approval', gate: 'result', revision: 'abc123' }))).toMatchObject({
      event: 'waiting-for-approval',
      details: { gate: 'result', revision: 'abc123' },
    });
    expect(notificationOf(factory.stageCompleted())).toBeNull();
    expect(notificationOf(factory.orchestrationCancelled())).toBeNull();
  });

  it('given a task at 80 % of its budget, and one that reached it, then budget-warning and budget-reached are told with the amounts', () => {
    const warning = factory.caused(factory.orchestrationStarted(), 'TaskBudgetWarning', ids.task(1), { taskId: ids.task(1), orchestrationId: ids.orchestration(1), budgetUsd: 2, spentUsd: 1.7, at: '2026-11-24T10:00:00.000Z' }, { producer: 'spec', occurredAt: '2026-11-24T10:00:00.000Z' });
    expect(notificationOf(warning)).toMatchObject({ event: 'budget-warning', details: { budgetUsd: 2, spentUsd: 1.7 } });
    const next = { stageType: 'implementation' as const, round: 0, context: { taskTitle: 't', taskDescription: '' } };
    expect(notificationOf(factory.taskWaiting(1, { kind: 'budget', budgetUsd: 2, spentUsd: 2.1, next }))).toMatchObject({ event: 'budget-reached', details: { budgetUsd: 2, spentUsd: 2.1 } });
  });

  it('given a Slack incoming webhook, then the body is { text } with the title, the reason and a link; any other URL gets the JSON body', () => {
    const failed = notificationOf(factory.orchestrationFailed(1, 'QA rejected it'))!;
    const task = { id: ids.task(1), title: 'Add a health check' };

    expect(webhookBody(failed, task, 'https://board.example.com', new URL('https://hooks.slack.com/services/T/B/x'), 'd1')).toEqual({
      text: `Task “Add a health check” failed\nQA rejected it\n<https://board.example.com/#/tasks/${ids.task(1)}|Open it on the board>`,
    });
    expect(webhookBody(failed, task, null, new URL('https://ci.example.com/hook'), 'd1')).toEqual({
      event: 'failed',
      task,
      link: null,
      occurredAt: failed.occurredAt,
      details: { reason: 'QA rejected it' },
      deliveryId: 'd1',
    });
  });

  it('signs the exact body with HMAC-SHA256, as GitHub does', () => {
    expect(signatureOf('s3cret', '{"a":1}')).toBe(`sha256=${createHmac('sha256', 's3cret').update('{"a":1}').digest('hex')}`);
  });

  it('backs off doubling from the base, at most 10 minutes; keys a target by a hash, never its URL', () => {
    expect([1, 2, 3, 4].map((attempts) => retryDelayMs(attempts, 1_000))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelayMs(30, 1_000)).toBe(600_000);
    expect(targetKeyOf('https://hooks.slack.com/services/T/B/secret')).not.toContain('secret');
  });
});
