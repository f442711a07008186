import { Diff2HtmlUI } from 'diff2html/lib-esm/ui/js/diff2html-ui-slim';
import { useEffect, useRef } from 'react';
import { lineTarget, type LineTarget } from '../review/diff-lines';

/** A file with more changed lines than this starts collapsed (its header stays; "Viewed" opens it). */
export const LARGE_FILE_CHANGED_LINES = 300;

export type DiffLayout = 'line-by-line' | 'side-by-side';

interface Props {
  diff: string;
  layout: DiffLayout;
  /** a line number of the diff was clicked: the file and the line of the new version (the old one for a removed line) */
  onLine(target: LineTarget): void;
}

/**
 * The diff drawn by diff2html (its UI: files list, syntax highlighting through highlight.js,
 * unified or split, each file collapsible); large files start collapsed.
 */
export function DiffView({ diff, layout, onLine }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const onLineRef = useRef(onLine);
  onLineRef.current = onLine;

  useEffect(() => {
    const target = container.current;
    if (target === null) return;
    const ui = new Diff2HtmlUI(target, diff, {
      outputFormat: layout,
      drawFileList: true,
      fileListToggle: true,
      fileListStartVisible: true,
      fileContentToggle: true,
      highlight: true,
      matching: 'lines',
      synchronisedScroll: true,
      stickyFileHeaders: false,
    });
    ui.draw();
    for (const file of target.querySelectorAll<HTMLElement>('.d2h-file-wrapper')) {
      const changed = [...file.querySelectorAll('tr')].filter((row) => row.querySelector('.d2h-ins, .d2h-del') !== null).length;
      if (changed > LARGE_FILE_CHANGED_LINES) {
        file.dataset['collapsed'] = 'large';
        file.querySelector<HTMLInputElement>('.d2h-file-collapse-input')?.click();
      }
    }
  }, [diff, layout]);

  useEffect(() => {
    const target = container.current;
    if (target === null) return;
    const clicked = (event: MouseEvent): void => {
      const line = event.target instanceof Element ? lineTarget(event.target) : null;
      if (line !== null) onLineRef.current(line);
    };
    target.addEventListener('click', clicked);
    return () => target.removeEventListener('click', clicked);
  }, []);

  return <div className="diff-view" data-testid="diff-view" ref={container} />;
}
