import { COMMAND_TEMPLATES, promptFor, renderContext } from './prompt';

const context = { taskTitle: 'Add a health endpoint', taskDescription: 'GET /health answers 200\n' };

describe('prompts', () => {
  it('given the specification stage, then the prompt is /create-spec with the context', () => {
    expect(promptFor('specification', context)).toBe('/create-spec # Task: Add a health endpoint\n\nGET /health answers 200');
  });

  it('given the implementation stage, then the prompt is the context with the specification', () => {
    expect(promptFor('implementation', { ...context, specification: '# Spec\n- must answer 200' })).toBe(
      '# Task: Add a health endpoint\n\nGET /health answers 200\n\n## Specification\n\n# Spec\n- must answer 200',
    );
  });

  it('given the QA stage, then the prompt is /review with the implementation summary and its diff stat', () => {
    const prompt = promptFor('qa', { ...context, implementationSummary: 'Implemented it', diffStat: { files: 2, insertions: 30, deletions: 4 } });
    expect(prompt.startsWith('/review # Task: Add a health endpoint')).toBe(true);
    expect(prompt).toContain('## Implementation summary\n\nImplemented it');
    expect(prompt).toContain('2 files changed, 30 insertions(+), 4 deletions(-)');
  });

  it('given the commits of the implementation, then QA is told the range to diff', () => {
    const diffStat = { files: 1, insertions: 3, deletions: 0, branch: 'orch/t-1', fromCommit: 'abc123', toCommit: 'def456' };
    expect(renderContext({ ...context, diffStat })).toContain('1 files changed, 3 insertions(+), 0 deletions(-) (`git diff abc123..def456` on orch/t-1)');
  });

  it('given a rework, then the findings to address are listed', () => {
    expect(renderContext({ ...context, reviewFindings: ['no test', 'wrong status'] })).toContain('## Review findings to address\n\n- no test\n- wrong status');
  });

  it('given a follow-up, then its request comes after what was done before', () => {
    expect(renderContext({ ...context, followUp: 'Also log the errors ' })).toMatch(/## Follow-up request\n\nAlso log the errors$/);
  });

  it('the slash commands take the context as $ARGUMENTS; the review asks for a verdict block', () => {
    expect(Object.keys(COMMAND_TEMPLATES).sort()).toEqual(['create-spec.md', 'review.md']);
    for (const template of Object.values(COMMAND_TEMPLATES)) expect(template).toContain('$ARGUMENTS');
    expect(COMMAND_TEMPLATES['review.md']).toContain('```verdict');
  });
});
