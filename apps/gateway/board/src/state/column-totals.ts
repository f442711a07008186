import { columnOf, type ColumnId } from './board.columns';
import type { TaskCard } from './board.state';

type Totals = Record<ColumnId, number>;

/**
 * The column totals after a card moved: it leaves `before`'s column (absent: it was not on
 * the board) and enters `after`'s (absent: it was deleted).
 */
export function moveBetweenColumns(totals: Totals, before: TaskCard | undefined, after: TaskCard | undefined): Totals {
  const from = before === undefined ? null : columnOf(before);
  const to = after === undefined ? null : columnOf(after);
  if (from === to) return totals;
  const next = { ...totals };
  if (from !== null) next[from] = Math.max(0, next[from] - 1);
  if (to !== null) next[to] += 1;
  return next;
}
