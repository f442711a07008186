import type { StageContext, StageType } from '@app/contracts';

/** The context as the agent reads it: the task, then what earlier stages produced. */
export function renderContext(context: StageContext): string {
  const parts = [`# Task: ${context.taskTitle}`, context.taskDescription.trim()];
  if (context.specification) parts.push('## Specification', context.specification.trim());
  if (context.implementationSummary) parts.push('## Implementation summary', context.implementationSummary.trim());
  if (context.diffStat) {
    const { files, insertions, deletions, fromCommit, toCommit, branch } = context.diffStat;
    const range = fromCommit && toCommit ? ` (\`git diff ${fromCommit}..${toCommit}\`${branch ? ` on ${branch}` : ''})` : '';
    parts.push('## Changes', `${files} files changed, ${insertions} insertions(+), ${deletions} deletions(-)${range}`);
  }
  if (context.reviewFindings && context.reviewFindings.length > 0) {
    parts.push('## Review findings to address', context.reviewFindings.map((finding) => `- ${finding}`).join('\n'));
  }
  if (context.followUp) parts.push('## Follow-up request', context.followUp.trim());
  return parts.filter((part) => part.length > 0).join('\n\n');
}

/** The slash command each stage's prompt starts with (the project's own, see COMMAND_TEMPLATES). */
export const STAGE_SLASH_COMMANDS: Readonly<Record<StageType, string | null>> = {
  specification: 'create-spec',
  implementation: null,
  qa: 'review',
};

/** The seed's prompts: `/create-spec <context>`, `<context>`, `/review <context>`. */
export function promptFor(stageType: StageType, context: StageContext): string {
  const text = renderContext(context);
  const command = STAGE_SLASH_COMMANDS[stageType];
  return command === null ? text : `/${command} ${text}`;
}

/** The project's slash commands, written into each workspace's `.claude/commands/`. */
export const COMMAND_TEMPLATES: Record<string, string> = {
  'create-spec.md': [
    '---',
    'description: Write a specification for the task below',
    '---',
    'Write a concise, testable specification for the following task: goals, non-goals,',
    'the interfaces to change, acceptance criteria. Do not write code yet.',
    '',
    '$ARGUMENTS',
    '',
  ].join('\n'),
  'review.md': [
    '---',
    'description: Review the implementation against its specification',
    '---',
    'Review the work in this workspace against the specification and implementation summary',
    'below. Check that the acceptance criteria are met and that nothing is broken.',
    '',
    'End your answer with a fenced code block whose info string is `verdict`, holding one',
    'JSON object: {"verdict": "pass" | "fail", "findings": ["..."]} — findings are what must',
    'change for the work to pass (empty when it passes). For example:',
    '',
    '```verdict',
    '{"verdict": "fail", "findings": ["the new endpoint has no test"]}',
    '```',
    '',
    '$ARGUMENTS',
    '',
  ].join('\n'),
};
