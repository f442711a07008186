import type { StageRecord } from '../state/board.state';
import { MarkdownText } from './markdown-text';

/** What the stages produced: the specification and the implementation's summary (as Markdown), the diff stat, QA's verdict and findings. */
export function StageResults({ stages }: { stages: StageRecord[] }) {
  const spec = latest(stages, 'specification');
  const implementation = latest(stages, 'implementation');
  const qa = latest(stages, 'qa');
  const diffStat = implementation?.diffStat ?? null;
  return (
    <section className="results">
      <div className="panel" data-testid="spec">
        <h2>Specification</h2>
        {spec?.output ? <MarkdownText text={spec.output} testId="spec-markdown" /> : <p className="muted">Not written yet.</p>}
      </div>
      {implementation?.output ? (
        <div className="panel" data-testid="implementation-summary">
          <h2>Implementation summary</h2>
          <MarkdownText text={implementation.output} />
        </div>
      ) : null}
      <div className="results-side">
        <div className="panel" data-testid="verdict">
          <h2>QA verdict</h2>
          {qa?.verdict ? (
            <>
              <span className={`badge badge-${qa.verdict.verdict === 'pass' ? 'completed' : 'failed'}`}>{qa.verdict.verdict}</span>
              {qa.verdict.findings.length === 0 ? (
                <p className="muted">No findings.</p>
              ) : (
                <ul className="findings">
                  {qa.verdict.findings.map((finding) => (
                    <li key={finding}>
                      <MarkdownText text={finding} />
                    </li>
                  ))}
                </ul>
              )}
            </>
          ) : (
            <p className="muted">No verdict yet.</p>
          )}
        </div>
        <div className="panel" data-testid="diff-stat">
          <h2>Diff</h2>
          {diffStat ? (
            <p>
              {diffStat.files} file{diffStat.files === 1 ? '' : 's'} changed, <span className="insertions">+{diffStat.insertions}</span>{' '}
              <span className="deletions">−{diffStat.deletions}</span>
            </p>
          ) : (
            <p className="muted">{implementation?.status === 'completed' ? 'No diff recorded (not a git workspace).' : 'No changes yet.'}</p>
          )}
        </div>
      </div>
    </section>
  );
}

const latest = (stages: StageRecord[], type: StageRecord['stageType']): StageRecord | null => stages.filter((stage) => stage.stageType === type).at(-1) ?? null;
