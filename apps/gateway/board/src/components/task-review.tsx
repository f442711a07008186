import { useEffect, useState } from 'react';
import { ApiError } from '../api/api.error';
import { useApi } from '../api/api.context';
import type { ReviewComment, ReviewDecision, StageDiffView, WaitingFor } from '../api/api.types';
import type { LineTarget } from '../review/diff-lines';
import type { StageRecord, TaskCard } from '../state/board.state';
import { DiffView, type DiffLayout } from './diff-view';

const DECISIONS: Array<{ decision: ReviewDecision; label: string }> = [
  { decision: 'approve', label: 'Approve' },
  { decision: 'request-changes', label: 'Request changes' },
  { decision: 'reject', label: 'Reject' },
];

/**
 * The change in the browser and the review of it: the implementation's diff (unified or
 * split), comments on its lines or on the whole, and — while the task waits for approval —
 * the decision on the revision it waits on.
 */
export function TaskReview({ task, stages }: { task: TaskCard; stages: StageRecord[] }) {
  const { api, requireToken } = useApi();
  const [layout, setLayout] = useState<DiffLayout>('line-by-line');
  const [diff, setDiff] = useState<StageDiffView | null>(null);
  const [diffNote, setDiffNote] = useState<string | null>(null);
  const [waitingFor, setWaitingFor] = useState<WaitingFor | null>(null);
  const [comments, setComments] = useState<ReviewComment[]>([]);
  const [draft, setDraft] = useState<{ target: LineTarget | null; body: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const implementation = stages.filter((stage) => stage.stageType === 'implementation' && stage.status === 'completed').at(-1) ?? null;
  const diffKey = implementation === null ? null : `${implementation.id}:${implementation.attempt}`;
  useEffect(() => {
    if (diffKey === null) return;
    let current = true;
    api.diff(task.id, 'implementation').then(
      (answer) => {
        if (!current) return;
        setDiff(answer);
        setDiffNote(null);
      },
      (refusal: unknown) => {
        if (current) setDiffNote(refusal instanceof ApiError && refusal.status === 404 ? 'No diff recorded (not a git workspace).' : String((refusal as Error).message));
      },
    );
    return () => {
      current = false;
    };
  }, [api, task.id, diffKey]);

  const waiting = task.status === 'waiting';
  useEffect(() => {
    if (!waiting) {
      setWaitingFor(null);
      return;
    }
    let current = true;
    api.waitingFor(task.id).then(
      (found) => {
        if (current) setWaitingFor(found);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api, task.id, waiting, task.lastSeq]);

  const decide = (decision: ReviewDecision): void => {
    if (waitingFor?.revision === undefined) return;
    setBusy(true);
    setError(null);
    api.decide(task.id, { decision, revision: waitingFor.revision, comments }).then(
      () => {
        setBusy(false);
        setComments([]);
      },
      (refusal: unknown) => {
        setBusy(false);
        if (refusal instanceof ApiError && refusal.status === 401) requireToken();
        setError(refusal instanceof Error ? refusal.message : String(refusal));
      },
    );
  };
  const addDraft = (): void => {
    if (draft === null || draft.body.trim() === '') return;
    setComments([...comments, { body: draft.body.trim(), ...(draft.target === null ? {} : { file: draft.target.file, line: draft.target.line }) }]);
    setDraft(null);
  };

  return (
    <section className="panel review" data-testid="review">
      <header className="review-header">
        <h2>Change</h2>
        {diff !== null && (
          <span className="muted" data-testid="diff-revision">
            {diff.baseSha.slice(0, 10)}..{diff.headSha.slice(0, 10)} (round {diff.round})
          </span>
        )}
        <span className="segmented" role="group" aria-label="Diff layout">
          <button type="button" aria-pressed={layout === 'line-by-line'} onClick={() => setLayout('line-by-line')}>
            Unified
          </button>
          <button type="button" aria-pressed={layout === 'side-by-side'} onClick={() => setLayout('side-by-side')}>
            Split
          </button>
        </span>
      </header>
      {diff === null ? (
        <p className="muted">{diffNote ?? 'No implementation yet.'}</p>
      ) : (
        <>
          {diff.truncated && <p className="field-error">Only part of the diff was recorded: files past 256 KiB were left out.</p>}
          {diff.diff === '' ? <p className="muted">The stage changed no file.</p> : <DiffView diff={diff.diff} layout={layout} onLine={(target) => setDraft({ target, body: '' })} />}
        </>
      )}
      {draft !== null && (
        <div className="comment-draft" data-testid="comment-draft">
          <label>
            {draft.target === null ? 'Comment on the change' : `Comment on ${draft.target.file}:${draft.target.line}`}
            <textarea value={draft.body} onChange={(event) => setDraft({ ...draft, body: event.target.value })} rows={3} />
          </label>
          <button type="button" onClick={addDraft} disabled={draft.body.trim() === ''}>
            Add comment
          </button>
          <button type="button" onClick={() => setDraft(null)}>
            Discard
          </button>
        </div>
      )}
      <div className="comments">
        <h3>Comments {comments.length > 0 && `(${comments.length})`}</h3>
        {comments.length === 0 ? (
          <p className="muted">Click a line number in the diff to comment on it.</p>
        ) : (
          <ul data-testid="review-comments">
            {comments.map((comment, index) => (
              <li key={index}>
                {comment.file !== undefined && <code>{`${comment.file}:${comment.line ?? ''}`}</code>} {comment.body}{' '}
                <button type="button" className="link" onClick={() => setComments(comments.filter((_, other) => other !== index))}>
                  remove
                </button>
              </li>
            ))}
          </ul>
        )}
        {draft === null && (
          <button type="button" onClick={() => setDraft({ target: null, body: '' })}>
            Comment on the whole change
          </button>
        )}
      </div>
      {waiting && (
        <div className="decision" data-testid="decision">
          <p>
            Waiting for approval of the {waitingFor?.gate === 'spec' ? 'specification' : 'result'}
            {waitingFor?.revision !== undefined && <code> {waitingFor.revision.slice(0, 12)}</code>}
          </p>
          {DECISIONS.map(({ decision, label }) => (
            <button key={decision} type="button" disabled={busy || waitingFor?.revision === undefined} onClick={() => decide(decision)}>
              {label}
            </button>
          ))}
          {error !== null && (
            <span className="field-error" role="alert">
              {error}
            </span>
          )}
        </div>
      )}
    </section>
  );
}
