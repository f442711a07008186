import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { logReducer, initialLogState } from '../log/log.state';
import { logBatch, stageIdOf, TASK } from '../testing/board.fixtures';
import { AgentLog } from './agent-log';

const json = (value: Record<string, unknown>) => ({ json: value, text: JSON.stringify(value) });

describe('AgentLog', () => {
  it('given a run with a tool call and an error, then it renders words a person reads, the arguments folded and the error marked, never the raw JSON', () => {
    const log = [
      { type: 'watch' as const, taskId: TASK },
      {
        type: 'batch' as const,
        batch: logBatch(3, [
          { index: 0, ...json({ type: 'assistant', message: { content: [{ type: 'text', text: 'Looking around.' }] } }) },
          { index: 1, ...json({ type: 'assistant', message: { content: [{ type: 'tool_use', id: 't1', name: 'Bash', input: { command: 'npm test' } }] } }) },
          { index: 2, stream: 'stderr', text: 'fatal: simulated crash' },
        ]),
      },
    ].reduce(logReducer, initialLogState);
    const html = renderToStaticMarkup(<AgentLog log={log} stages={[]} />);
    expect(html).toContain('Looking around.');
    expect(html).toMatch(/<details class="log-entry log-tool-call"[^>]*><summary><span class="tool-name">Bash<\/span> <code>npm test<\/code><\/summary><pre>/);
    expect(html).toContain('<div class="log-entry log-error" data-testid="log-error">fatal: simulated crash</div>');
    expect(html).not.toContain('&quot;type&quot;');
    expect(html).toContain(`stage · attempt 1`);
    expect(stageIdOf(1)).toBe(log.runs[Object.keys(log.runs)[0] ?? '']?.stageId);
  });

  it('given no output yet, then it says so', () => {
    expect(renderToStaticMarkup(<AgentLog log={initialLogState} stages={[]} />)).toContain('No agent output yet.');
  });
});
