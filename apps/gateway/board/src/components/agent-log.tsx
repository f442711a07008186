import { useLayoutEffect, useMemo, useRef } from 'react';
import { toLogEntries, type LogEntry } from '../log/log-entries';
import type { LogRun, LogState } from '../log/log.state';
import type { StageRecord } from '../state/board.state';
import { STAGE_TITLES } from '../state/stage.order';

/** characters of a tool result shown before the rest is folded */
const RESULT_PREVIEW = 600;

/** The agent's output of every run of the task, as it happens. */
export function AgentLog({ log, stages }: { log: LogState; stages: StageRecord[] }) {
  const runs = Object.values(log.runs).sort((a, b) => (a.lines[0]?.at ?? '').localeCompare(b.lines[0]?.at ?? ''));
  const end = useRef<HTMLDivElement>(null);
  const lineCount = runs.reduce((sum, run) => sum + run.lines.length, 0);
  useLayoutEffect(() => {
    const box = end.current?.closest('.log-box');
    // follow the output while the person is at the bottom of it
    if (box && box.scrollHeight - box.scrollTop - box.clientHeight < 120) box.scrollTop = box.scrollHeight;
  }, [lineCount]);
  if (runs.length === 0) return <p className="muted">No agent output yet.</p>;
  return (
    <div className="log" data-testid="agent-log">
      {runs.map((run) => (
        <RunLog key={`${run.stageId}#${run.attempt}`} run={run} stage={stages.find((stage) => stage.id === run.stageId) ?? null} />
      ))}
      <div ref={end} />
    </div>
  );
}

function RunLog({ run, stage }: { run: LogRun; stage: StageRecord | null }) {
  const title = stage === null ? 'stage' : STAGE_TITLES[stage.stageType];
  // the page re-renders every second (elapsed times): the entries are built again only when lines arrive
  const entries = useMemo(() => toLogEntries(run.lines), [run.lines]);
  return (
    <section className="log-run">
      <h3>
        {title} · attempt {run.attempt}
      </h3>
      {entries.map((entry) => (
        <LogEntryView key={entry.key} entry={entry} />
      ))}
    </section>
  );
}

function LogEntryView({ entry }: { entry: LogEntry }) {
  switch (entry.kind) {
    case 'session':
      return <div className="log-entry log-session">{entry.text}</div>;
    case 'assistant':
      return <div className="log-entry log-assistant" data-testid="log-assistant">{entry.text}</div>;
    case 'thinking':
      return <div className="log-entry log-thinking">{entry.text}</div>;
    case 'tool-call':
      return (
        <details className="log-entry log-tool-call" data-testid="log-tool-call">
          <summary>
            <span className="tool-name">{entry.tool}</span> <code>{entry.summary}</code>
          </summary>
          <pre>{entry.args}</pre>
        </details>
      );
    case 'tool-result':
      return (
        <div className={`log-entry log-tool-result${entry.isError ? ' log-error' : ''}`} data-testid="log-tool-result">
          <span className="tool-name">{entry.isError ? '✗' : '↳'} {entry.tool ?? 'tool'} result</span>
          <Folded text={entry.text} />
        </div>
      );
    case 'result':
      return (
        <div className={`log-entry log-result${entry.isError ? ' log-error' : ''}`} data-testid="log-result">
          <strong>{entry.summary}</strong>
          {entry.isError && entry.text ? <div>{entry.text}</div> : null}
        </div>
      );
    case 'error':
      return <div className="log-entry log-error" data-testid="log-error">{entry.text}</div>;
    case 'note':
      return entry.detail === null ? (
        <div className="log-entry log-note">{entry.text}</div>
      ) : (
        <details className="log-entry log-note">
          <summary>{entry.text}</summary>
          <pre>{entry.detail}</pre>
        </details>
      );
    default: {
      const unknownEntry: never = entry;
      return unknownEntry;
    }
  }
}

function Folded({ text }: { text: string }) {
  if (text === '') return <span className="muted"> (empty)</span>;
  if (text.length <= RESULT_PREVIEW) return <pre>{text}</pre>;
  return (
    <details>
      <summary>
        <pre>{text.slice(0, RESULT_PREVIEW)}…</pre>
      </summary>
      <pre>{text.slice(RESULT_PREVIEW)}</pre>
    </details>
  );
}
