import { Injectable } from '@nestjs/common';
import path from 'node:path';
import type { DiffStat } from '@app/contracts';
import { gitEnv, parseNumstat } from '../domain/workspace-policy';
import { ProcessRepository } from './process.repository';

/** A git command that failed, with git's own words. */
export class GitError extends Error {
  override readonly name = 'GitError';
}

const GIT_TIMEOUT_MS = 60_000;

/** The identity the runner commits an agent's work under, whatever the repository's config says. */
const COMMITTER = ['user.name=Orchestrator runner', 'user.email=runner@orchestrator.invalid', 'commit.gpgsign=false'];

/**
 * On every git call: no hook and no fsmonitor runs, whatever the repository's config or
 * hooks directory says — an agent may have planted them, and the runner is not sandboxed.
 */
const SAFE_CONFIG = ['core.hooksPath=/dev/null', 'core.fsmonitor=false'];

/** A task's worktree as the runner addresses it: its files and the git dir the repository registered for it (never the `.git` the agent could rewrite). */
export interface AgentTree {
  dir: string;
  gitDir: string;
}

/**
 * The git commands the runner needs, through the ProcessRepository: hooks and fsmonitor off,
 * refs after `--end-of-options`, an environment without the model key or the system's
 * variables (gitEnv).
 */
@Injectable()
export class GitRepository {
  private readonly env = gitEnv(process.env);

  constructor(private readonly processes: ProcessRepository) {}

  /** The top of the working tree `dir` belongs to, or null when it is not in a git repository. */
  async topLevel(dir: string): Promise<string | null> {
    const result = await this.run(dir, ['rev-parse', '--show-toplevel']);
    return result.exitCode === 0 ? result.stdout.trim() : null;
  }

  /** The repository's common git dir (absolute): where its worktrees are registered. */
  async commonDir(repo: string): Promise<string> {
    return (await this.git(repo, ['rev-parse', '--path-format=absolute', '--git-common-dir'])).trim();
  }

  async branchExists(repo: string, branch: string): Promise<boolean> {
    const result = await this.run(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `refs/heads/${branch}`]);
    return result.exitCode === 0;
  }

  /** Adds a worktree at `dir` on `branch`: the existing branch, or a new one from `base`. */
  async addWorktree(repo: string, dir: string, branch: string, base: string | null): Promise<void> {
    await this.git(repo, ['worktree', 'prune']);
    if (await this.branchExists(repo, branch)) {
      await this.git(repo, ['worktree', 'add', '--end-of-options', dir, branch]);
    } else {
      await this.git(repo, ['worktree', 'add', '-b', branch, '--end-of-options', dir, ...(base === null ? [] : [base])]);
    }
  }

  /** Removes the worktree at `dir` (with whatever it holds uncommitted); its branch stays. */
  async removeWorktree(repo: string, dir: string): Promise<void> {
    await this.git(repo, ['worktree', 'remove', '--force', '--force', '--end-of-options', dir]);
    await this.git(repo, ['worktree', 'prune']);
  }

  /** The repository whose worktree `dir` is (the main working tree), or null. */
  async mainRepoOf(dir: string): Promise<string | null> {
    const result = await this.run(dir, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
    if (result.exitCode !== 0) return null;
    const commonDir = result.stdout.trim();
    return commonDir.endsWith('/.git') ? commonDir.slice(0, -'/.git'.length) : commonDir;
  }

  async head(tree: AgentTree): Promise<string> {
    return (await this.git(tree.dir, [...treeArgs(tree), 'rev-parse', 'HEAD'])).trim();
  }

  /**
   * Commits everything in the worktree except `excluded` paths; returns false when there
   * was nothing to commit. No hook runs: this records the agent's work, it does not review it.
   */
  async commitAll(tree: AgentTree, message: string, excluded: readonly string[]): Promise<boolean> {
    await this.git(tree.dir, [...treeArgs(tree), 'add', '--all', '--', '.', ...excluded.map((file) => `:(exclude)${file}`)]);
    const staged = await this.run(tree.dir, [...treeArgs(tree), 'diff', '--cached', '--quiet']);
    if (staged.exitCode === 0) return false;
    await this.git(tree.dir, [...treeArgs(tree), 'commit', '--no-verify', '--quiet', '-m', message], COMMITTER);
    return true;
  }

  async diffStat(tree: AgentTree, from: string, to: string): Promise<DiffStat> {
    if (from === to) return { files: 0, insertions: 0, deletions: 0 };
    return parseNumstat(await this.git(tree.dir, [...treeArgs(tree), 'diff', '--numstat', '--end-of-options', from, to]));
  }

  /** `git diff from..to` as a unified patch (renames found, no external diff driver or textconv the repository's config names). */
  async patch(tree: AgentTree, from: string, to: string): Promise<string> {
    if (from === to) return '';
    return this.git(tree.dir, [...treeArgs(tree), 'diff', '--no-ext-diff', '--no-textconv', '--no-color', '-M', '--end-of-options', from, to]);
  }

  /**
   * A bare repository at `dir` following `origin` (see setOrigin), its branches fetched to
   * `refs/remotes/origin/*`: a fetch never moves a branch a task's worktree has checked out.
   */
  async initMirror(dir: string): Promise<void> {
    await this.git(path.dirname(dir), ['init', '--quiet', '--bare', '--end-of-options', dir]);
    await this.git(dir, ['config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*']);
  }

  /** Points the mirror's `origin` at `url`. */
  async setOrigin(dir: string, url: string): Promise<void> {
    await this.git(dir, ['config', 'remote.origin.url', url]);
  }

  /** Fetches every branch of `origin` into the mirror; `credentialEnv` carries the credential (never argv). */
  async fetchMirror(dir: string, credentialEnv: Record<string, string>): Promise<void> {
    await this.git(dir, ['fetch', '--quiet', '--prune', 'origin'], [], credentialEnv);
  }

  /** The commit `ref` names in `repo`, or null when there is none. */
  async commitOf(repo: string, ref: string): Promise<string | null> {
    const result = await this.run(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
    return result.exitCode === 0 ? result.stdout.trim() : null;
  }

  /** Adds a worktree at `dir` on `branch`, made (or reset) to start at `start`. */
  async addWorktreeFrom(repo: string, dir: string, branch: string, start: string): Promise<void> {
    await this.git(repo, ['worktree', 'prune']);
    await this.git(repo, ['worktree', 'add', '--quiet', '-B', branch, '--end-of-options', dir, start]);
  }

  /** Whether `ancestor` is `descendant` or one of its ancestors. */
  async isAncestor(tree: AgentTree, ancestor: string, descendant: string): Promise<boolean> {
    return (await this.run(tree.dir, [...treeArgs(tree), 'merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant])).exitCode === 0;
  }

  /** Moves the worktree's branch and files to `commit` (another runner pushed further). */
  async resetTo(tree: AgentTree, commit: string): Promise<void> {
    await this.git(tree.dir, [...treeArgs(tree), 'reset', '--quiet', '--hard', '--end-of-options', commit]);
  }

  /**
   * Pushes HEAD to `refs/heads/<branch>` on origin, only if the remote's branch is still at
   * `expected` (null: the branch must not exist there yet) — `--force-with-lease` on that
   * one ref, nothing else pushed.
   */
  async push(tree: AgentTree, branch: string, expected: string | null, credentialEnv: Record<string, string>): Promise<void> {
    const ref = `refs/heads/${branch}`;
    await this.git(tree.dir, [...treeArgs(tree), 'push', '--quiet', '--porcelain', `--force-with-lease=${ref}:${expected ?? ''}`, '--end-of-options', 'origin', `HEAD:${ref}`], [], credentialEnv);
  }

  /** Runs `git -c <safe>… [-c <config>]… <args>`; a non-zero exit is a GitError with git's own words. */
  private async git(cwd: string, args: string[], config: readonly string[] = [], extraEnv: Record<string, string> = {}): Promise<string> {
    const result = await this.run(cwd, args, config, extraEnv);
    if (result.exitCode !== 0) throw new GitError(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr.trim() || `exit ${result.exitCode ?? 'unknown'}`}`);
    return result.stdout;
  }

  private run(cwd: string, args: string[], config: readonly string[] = [], extraEnv: Record<string, string> = {}) {
    const settings = [...SAFE_CONFIG, ...config].flatMap((setting) => ['-c', setting]);
    return this.processes.exec('git', [...settings, ...args], { cwd, timeoutMs: GIT_TIMEOUT_MS, env: { ...this.env, ...extraEnv } });
  }
}

/** Addresses the worktree through its registered git dir, so a `.git` the agent replaced is never read. */
function treeArgs(tree: AgentTree): string[] {
  return [`--git-dir=${tree.gitDir}`, `--work-tree=${tree.dir}`];
}
