/** A line of the diff a reviewer comments on: its file (the new path) and its line number there (or in the old file, for a removed line). */
export interface LineTarget {
  file: string;
  line: number;
}

/**
 * The file and line of the line-number cell `element` is in, in diff2html's markup: unified
 * view cells hold `.line-num1` (old) and `.line-num2` (new); in the split view the second
 * side is the new file. Null outside a numbered line.
 */
export function lineTarget(element: Element): LineTarget | null {
  const cell = element.closest('td.d2h-code-linenumber, td.d2h-code-side-linenumber');
  const wrapper = cell?.closest('.d2h-file-wrapper');
  const name = wrapper?.querySelector('.d2h-file-name')?.textContent?.trim();
  if (!cell || !name) return null;
  const file = name.includes(' → ') ? (name.split(' → ').at(-1) ?? name) : name;
  let text: string | null | undefined;
  if (cell.classList.contains('d2h-code-linenumber')) {
    text = cell.querySelector('.line-num2')?.textContent?.trim() || cell.querySelector('.line-num1')?.textContent?.trim();
  } else {
    text = cell.textContent?.trim();
  }
  const line = Number(text);
  return Number.isInteger(line) && line > 0 ? { file, line } : null;
}
