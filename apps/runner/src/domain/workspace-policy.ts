import path from 'node:path';
import type { DiffStat } from '@app/contracts';

/** The branch a task's worktree is on. */
export function taskBranch(taskId: string): string {
  return `orch/${taskId}`;
}

/**
 * Whether `target` is one of `roots` or lies below one. Both must be absolute and already
 * resolved (symlinks followed), so `..` or a link cannot lead outside.
 */
export function isWithinRoots(target: string, roots: readonly string[]): boolean {
  const normal = path.normalize(target);
  return roots.some((root) => {
    const base = path.normalize(root);
    const relative = path.relative(base, normal);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  });
}

/** Why a task's `repoPath` may not be used, or null when it may. */
export function repoPathRefusal(repoPath: string, resolved: string | null, roots: readonly string[]): string | null {
  if (!path.isAbsolute(repoPath)) return `repoPath ${repoPath} is not an absolute path`;
  if (roots.length === 0) return `repoPath ${repoPath} is refused: WORKSPACE_ALLOWED_ROOTS is empty, so no repository may be used`;
  if (resolved === null) return `repoPath ${repoPath} does not exist`;
  if (!isWithinRoots(resolved, roots)) {
    return `repoPath ${repoPath}${resolved === repoPath ? '' : ` (${resolved})`} is outside WORKSPACE_ALLOWED_ROOTS (${roots.join(', ')})`;
  }
  return null;
}

/** Sums `git diff --numstat` output; binary files (`-\t-\t…`) count as changed files only. */
export function parseNumstat(output: string): DiffStat {
  let files = 0;
  let insertions = 0;
  let deletions = 0;
  for (const line of output.split('\n')) {
    const match = /^(\d+|-)\t(\d+|-)\t/.exec(line);
    if (!match) continue;
    files += 1;
    insertions += match[1] === '-' ? 0 : Number(match[1]);
    deletions += match[2] === '-' ? 0 : Number(match[2]);
  }
  return { files, insertions, deletions };
}
