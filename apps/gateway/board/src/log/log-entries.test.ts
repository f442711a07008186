import { describe, expect, it } from 'vitest';
import { toLogEntries, summarizeInput } from './log-entries';
import type { LogLine } from './log.state';

let index = 0;
const stdout = (json: Record<string, unknown>): LogLine => ({ index: index++, stream: 'stdout', at: '2026-11-24T10:00:00.000Z', json, text: JSON.stringify(json), entries: [] });
const plain = (text: string, stream: 'stdout' | 'stderr' = 'stdout'): LogLine => ({ index: index++, stream, at: '2026-11-24T10:00:00.000Z', json: null, text, entries: [] });
const assistant = (...content: Array<Record<string, unknown>>) => stdout({ type: 'assistant', message: { role: 'assistant', content } });
const toolResult = (toolUseId: string, content: unknown, isError = false) =>
  stdout({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content, is_error: isError }] } });

/** What fake-claude.mjs prints for an implementation stage, line for line. */
const FAKE_RUN: LogLine[] = [
  stdout({ type: 'system', subtype: 'init', cwd: '/w', session_id: 's', tools: ['Bash', 'Read', 'Write', 'Edit'], model: 'claude-fake-1', permissionMode: 'acceptEdits' }),
  assistant({ type: 'text', text: 'I will start by looking at the repository layout.' }),
  assistant({ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }),
  toolResult('toolu_1', 'README.md\nsrc'),
  assistant({ type: 'tool_use', id: 'toolu_2', name: 'Write', input: { file_path: '/w/src/a.ts', content: 'Written by fake-claude.\n' } }),
  toolResult('toolu_2', [{ type: 'text', text: 'File created successfully at: /w/src/a.ts' }]),
  assistant({ type: 'text', text: 'Implemented: do the thing' }),
  stdout({ type: 'result', subtype: 'success', is_error: false, duration_ms: 5200, num_turns: 4, result: 'Implemented: do the thing', total_cost_usd: 0.025892 }),
];

describe('toLogEntries', () => {
  it('given a whole run, then a person reads the session, what the agent said, its tool calls with folded arguments, their results and the outcome', () => {
    expect(toLogEntries(FAKE_RUN).map(({ key: _key, ...entry }) => entry)).toEqual([
      { kind: 'session', text: 'Session started · claude-fake-1 · 4 tools · acceptEdits' },
      { kind: 'assistant', text: 'I will start by looking at the repository layout.' },
      { kind: 'tool-call', tool: 'Bash', summary: 'ls', args: '{\n  "command": "ls"\n}' },
      { kind: 'tool-result', tool: 'Bash', text: 'README.md\nsrc', isError: false },
      { kind: 'tool-call', tool: 'Write', summary: '/w/src/a.ts', args: expect.stringContaining('"content": "Written by fake-claude.\\n"') },
      { kind: 'tool-result', tool: 'Write', text: 'File created successfully at: /w/src/a.ts', isError: false },
      { kind: 'assistant', text: 'Implemented: do the thing' },
      { kind: 'result', isError: false, summary: 'Finished · 5.2 s · 4 turns · $0.0259', text: 'Implemented: do the thing' },
    ]);
  });

  it('given a failed run, then stderr, a failed tool and the error result are errors', () => {
    const entries = toLogEntries([
      toolResult('toolu_9', 'permission denied', true),
      plain('fatal: simulated crash', 'stderr'),
      stdout({ type: 'result', subtype: 'error_during_execution', is_error: true, result: 'API Error: 500 simulated', num_turns: 1 }),
    ]);
    expect(entries).toEqual([
      expect.objectContaining({ kind: 'tool-result', tool: null, isError: true }),
      expect.objectContaining({ kind: 'error', text: 'fatal: simulated crash' }),
      expect.objectContaining({ kind: 'result', isError: true, summary: 'Failed (error_during_execution) · 1 turn', text: 'API Error: 500 simulated' }),
    ]);
  });

  it('given lines that are not JSON or of unknown types, then they are shown as notes, the unknown fields folded', () => {
    const entries = toLogEntries([plain('this is not json'), plain('   '), stdout({ type: 'mystery', x: 1 }), stdout({ type: 'system', subtype: 'api_retry', attempt: 2 })]);
    expect(entries).toEqual([
      expect.objectContaining({ kind: 'note', text: 'this is not json', detail: null }),
      expect.objectContaining({ kind: 'note', text: 'mystery event', detail: '{\n  "type": "mystery",\n  "x": 1\n}' }),
      expect.objectContaining({ kind: 'note', text: 'system: api_retry' }),
    ]);
  });

  it('given one assistant line with several blocks, then each is an entry with a key of its own', () => {
    const entries = toLogEntries([assistant({ type: 'thinking', thinking: 'hmm' }, { type: 'text', text: 'a' }, { type: 'text', text: '' }, { type: 'tool_use', name: 'Grep', input: { pattern: 'TODO' } })]);
    expect(entries.map((entry) => entry.kind)).toEqual(['thinking', 'assistant', 'tool-call']);
    expect(new Set(entries.map((entry) => entry.key)).size).toBe(3);
  });

  it.each([
    [{ command: 'npm test\n--verbose' }, 'npm test'],
    [{ file_path: '/a/b.ts', content: 'x' }, '/a/b.ts'],
    [{ pattern: 'TODO', path: 'src' }, 'src'],
    [{ anything: 'else' }, 'else'],
    [{ count: 3 }, ''],
    [{ command: 'x'.repeat(200) }, `${'x'.repeat(119)}…`],
  ])('summarizes the input %o as %j', (input, summary) => {
    expect(summarizeInput(input)).toBe(summary);
  });
});

describe('a line of another CLI (Codex), typed by the runner', () => {
  it('given typed entries, then the tool call, its result, the text and the result read as Claude Code\'s do', () => {
    const codex = (json: Record<string, unknown>, entries: LogLine['entries']): LogLine => ({ index: index++, stream: 'stdout', at: '2026-11-24T10:00:00.000Z', json, text: JSON.stringify(json), entries });
    const entries = toLogEntries([
      codex({ type: 'item.started', item: { id: 'item_1', type: 'command_execution', command: 'npm test' } }, [{ kind: 'tool-call', callId: 'item_1', tool: 'exec_command', input: '{"command":"npm test"}' }]),
      codex({ type: 'item.completed', item: { id: 'item_1', type: 'command_execution' } }, [{ kind: 'tool-result', callId: 'item_1', output: '1 passing', isError: false }]),
      codex({ type: 'item.completed', item: { id: 'item_2', type: 'agent_message', text: 'Done.' } }, [{ kind: 'text', text: 'Done.' }]),
      codex({ type: 'turn.completed', usage: {} }, [
        { kind: 'usage', inputTokens: 1, outputTokens: 1, cacheReadInputTokens: 0 },
        { kind: 'result', isError: false, text: 'Done.', sessionId: 's', totalCostUsd: 0 },
      ]),
      codex({ type: 'turn.started' }, []),
    ]);
    expect(entries.map(({ key: _key, ...entry }) => entry)).toEqual([
      { kind: 'tool-call', tool: 'exec_command', summary: 'npm test', args: '{\n  "command": "npm test"\n}' },
      { kind: 'tool-result', tool: 'exec_command', text: '1 passing', isError: false },
      { kind: 'assistant', text: 'Done.' },
      { kind: 'result', isError: false, summary: 'Finished', text: 'Done.' },
      { kind: 'note', text: 'turn.started event', detail: '{\n  "type": "turn.started"\n}' },
    ]);
  });
});
