import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { MetricsSnapshot } from '../contracts';
import { MetricsHeader } from './metrics-header';

const stage = { completed: 0, failed: 0, cancelled: 0, averageDurationMs: null };
const metrics = (pausedCredentials: MetricsSnapshot['pausedCredentials']): MetricsSnapshot => ({
  seq: 1,
  activeOrchestrations: 1,
  queueDepth: 2,
  stages: { specification: stage, implementation: stage, qa: stage },
  stageCompletionRate: null,
  containers: { total: 2, leased: 0, utilization: 0 },
  deadLetters: 0,
  projection: { lastApplied: 1, lag: 0 },
  pausedCredentials,
});

describe('MetricsHeader', () => {
  it('given dispatch paused on a credential, then the header says the queue waits for the rate limit until its reset', () => {
    const until = '2026-11-24T14:05:00.000Z';
    const html = renderToStaticMarkup(<MetricsHeader metrics={metrics([{ credential: 'default', until }])} connection="live" />);
    const time = new Date(until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false });
    expect(html).toContain(`<dt>Dispatch paused</dt><dd>default: waiting for the rate limit until ${time}</dd>`);
  });

  it('given no credential paused, then the header shows no pause', () => {
    expect(renderToStaticMarkup(<MetricsHeader metrics={metrics([])} connection="live" />)).not.toContain('Dispatch paused');
  });
});
