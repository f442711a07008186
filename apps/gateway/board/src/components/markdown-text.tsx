import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'react';

/**
 * Text an agent wrote (a specification, a summary, QA's findings), rendered as Markdown and
 * sanitised: the agent is untrusted, so its HTML loses scripts, event handlers and
 * `javascript:` links before it reaches the page.
 */
export function MarkdownText({ text, testId }: { text: string; testId?: string }) {
  const html = useMemo(() => DOMPurify.sanitize(marked.parse(text, { async: false, gfm: true })), [text]);
  return <div className="markdown" data-testid={testId} dangerouslySetInnerHTML={{ __html: html }} />;
}
