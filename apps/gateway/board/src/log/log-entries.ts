import { formatCost, formatDuration } from '../format/format';
import type { AgentLogEntry } from '../contracts';
import type { LogLine } from './log.state';

/** One thing the agent did or said, as a person reads it. */
export type LogEntry =
  | { kind: 'session'; key: string; text: string }
  | { kind: 'assistant'; key: string; text: string }
  | { kind: 'thinking'; key: string; text: string }
  /** `args`: the tool's input, pretty-printed, shown folded under the one-line `summary` */
  | { kind: 'tool-call'; key: string; tool: string; summary: string; args: string }
  | { kind: 'tool-result'; key: string; tool: string | null; text: string; isError: boolean }
  | { kind: 'result'; key: string; isError: boolean; summary: string; text: string }
  | { kind: 'error'; key: string; text: string }
  /** anything else: plain output, events of unknown types (their fields folded in `detail`) */
  | { kind: 'note'; key: string; text: string; detail: string | null };

type Json = Record<string, unknown>;

/** The agent's stream-json lines (in order) as entries; a tool result names the call it answers. */
export function toLogEntries(lines: readonly LogLine[]): LogEntry[] {
  const toolNames = new Map<string, string>();
  const entries: LogEntry[] = [];
  for (const line of lines) entries.push(...lineEntries(line, toolNames));
  return entries;
}

function lineEntries(line: LogLine, toolNames: Map<string, string>): LogEntry[] {
  const key = String(line.index);
  if (line.stream === 'stderr') return [{ kind: 'error', key, text: line.text }];
  const json = line.json;
  if (json === null) return line.text.trim() === '' ? [] : [{ kind: 'note', key, text: line.text, detail: null }];
  switch (json['type']) {
    case 'system':
      return [systemEntry(key, json)];
    case 'assistant':
      return contentBlocks(json).flatMap((block, index) => assistantBlock(`${key}.${index}`, block, toolNames));
    case 'user':
      return userEntries(key, json, toolNames);
    case 'result':
      return [resultEntry(key, json)];
    default:
      if (line.entries.length > 0) return line.entries.flatMap((entry, index) => typedEntry(`${key}.${index}`, entry, toolNames));
      return [{ kind: 'note', key, text: `${text(json['type']) || 'untyped'} event`, detail: pretty(json) }];
  }
}

/** A line of another CLI than Claude Code (Codex), as the runner's executor typed it. */
function typedEntry(key: string, entry: AgentLogEntry, toolNames: Map<string, string>): LogEntry[] {
  switch (entry.kind) {
    case 'text':
      return [{ kind: 'assistant', key, text: entry.text }];
    case 'tool-call': {
      toolNames.set(entry.callId, entry.tool);
      const input = parsed(entry.input);
      return [{ kind: 'tool-call', key, tool: entry.tool, summary: summarizeInput(input), args: pretty(input) }];
    }
    case 'tool-result':
      return [{ kind: 'tool-result', key, tool: toolNames.get(entry.callId) ?? null, text: entry.output, isError: entry.isError }];
    case 'usage':
      return [];
    case 'result': {
      const outcome = entry.isError ? 'Failed' : 'Finished';
      return [{ kind: 'result', key, isError: entry.isError, summary: entry.totalCostUsd > 0 ? `${outcome} · ${formatCost(entry.totalCostUsd)}` : outcome, text: entry.text }];
    }
    default: {
      const _exhaustive: never = entry;
      return _exhaustive;
    }
  }
}

function parsed(input: string): Json {
  try {
    const value: unknown = JSON.parse(input);
    return isObject(value) ? value : {};
  } catch {
    return {};
  }
}

function systemEntry(key: string, json: Json): LogEntry {
  if (json['subtype'] !== 'init') return { kind: 'note', key, text: `system: ${text(json['subtype']) || 'message'}`, detail: pretty(json) };
  const tools = Array.isArray(json['tools']) ? json['tools'].length : 0;
  const model = text(json['model']) || 'unknown model';
  const mode = text(json['permissionMode']);
  return { kind: 'session', key, text: `Session started · ${model} · ${tools} tools${mode ? ` · ${mode}` : ''}` };
}

function assistantBlock(key: string, block: Json, toolNames: Map<string, string>): LogEntry[] {
  switch (block['type']) {
    case 'text':
      return text(block['text']).trim() === '' ? [] : [{ kind: 'assistant', key, text: text(block['text']) }];
    case 'thinking':
      return [{ kind: 'thinking', key, text: text(block['thinking']) }];
    case 'tool_use': {
      const tool = text(block['name']) || 'tool';
      const id = text(block['id']);
      if (id) toolNames.set(id, tool);
      const input = isObject(block['input']) ? block['input'] : {};
      return [{ kind: 'tool-call', key, tool, summary: summarizeInput(input), args: pretty(input) }];
    }
    default:
      return [{ kind: 'note', key, text: `assistant ${text(block['type']) || 'block'}`, detail: pretty(block) }];
  }
}

function userEntries(key: string, json: Json, toolNames: Map<string, string>): LogEntry[] {
  const message = isObject(json['message']) ? json['message'] : {};
  if (typeof message['content'] === 'string') return [{ kind: 'note', key, text: message['content'], detail: null }];
  return contentBlocks(json).map((block, index): LogEntry => {
    if (block['type'] !== 'tool_result') return { kind: 'note', key: `${key}.${index}`, text: `user ${text(block['type']) || 'block'}`, detail: pretty(block) };
    return {
      kind: 'tool-result',
      key: `${key}.${index}`,
      tool: toolNames.get(text(block['tool_use_id'])) ?? null,
      text: resultText(block['content']),
      isError: block['is_error'] === true,
    };
  });
}

function resultEntry(key: string, json: Json): LogEntry {
  const isError = json['is_error'] === true;
  const facts: string[] = [];
  if (typeof json['duration_ms'] === 'number') facts.push(formatDuration(json['duration_ms']));
  if (typeof json['num_turns'] === 'number') facts.push(`${json['num_turns']} turn${json['num_turns'] === 1 ? '' : 's'}`);
  if (typeof json['total_cost_usd'] === 'number') facts.push(formatCost(json['total_cost_usd']));
  const outcome = isError ? `Failed (${text(json['subtype']) || 'error'})` : 'Finished';
  return { kind: 'result', key, isError, summary: [outcome, ...facts].join(' · '), text: text(json['result']) };
}

/** The one line a tool call is known by: its command, file or pattern. */
export function summarizeInput(input: Json): string {
  for (const field of ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description']) {
    const value = input[field];
    if (typeof value === 'string' && value !== '') return firstLine(value);
  }
  const firstString = Object.values(input).find((value): value is string => typeof value === 'string');
  return firstString === undefined ? '' : firstLine(firstString);
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isObject)
    .map((part) => (part['type'] === 'text' ? text(part['text']) : `[${text(part['type']) || 'content'}]`))
    .join('\n');
}

function contentBlocks(json: Json): Json[] {
  const message = isObject(json['message']) ? json['message'] : {};
  return Array.isArray(message['content']) ? message['content'].filter(isObject) : [];
}

const firstLine = (value: string): string => {
  const [first = ''] = value.split('\n');
  return first.length > 120 ? `${first.slice(0, 119)}…` : first;
};
const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const pretty = (value: unknown): string => JSON.stringify(value, null, 2);
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
