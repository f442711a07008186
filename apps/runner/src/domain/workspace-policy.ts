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

/**
 * Why the repository `repoPath` leads to may not be used, or null: its working tree's top
 * (`git rev-parse --show-toplevel`) and its git dir (where the worktrees and branches go)
 * must lie under the roots too, not only the path given — a directory inside a repository
 * whose top is outside, or a checkout whose `.git` points outside, is refused. Both resolved.
 */
export function repositoryRefusal(repoPath: string, used: { topLevel: string; commonDir: string }, roots: readonly string[]): string | null {
  if (!isWithinRoots(used.topLevel, roots)) return `repoPath ${repoPath} is inside the repository ${used.topLevel}, which is outside WORKSPACE_ALLOWED_ROOTS (${roots.join(', ')})`;
  if (!isWithinRoots(used.commonDir, roots)) return `repoPath ${repoPath} keeps its git data in ${used.commonDir}, which is outside WORKSPACE_ALLOWED_ROOTS (${roots.join(', ')})`;
  return null;
}

/** Of the runner's environment, what its git commands get: enough to find git and the operator's git config, never the model key or the system's variables. */
const GIT_ENV_VARIABLES = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM'];

export function gitEnv(base: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };
  for (const name of GIT_ENV_VARIABLES) {
    const value = base[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
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
