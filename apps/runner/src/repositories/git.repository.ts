import { Injectable } from '@nestjs/common';
import type { DiffStat } from '@app/contracts';
import { parseNumstat } from '../domain/workspace-policy';
import { ProcessRepository } from './process.repository';

/** A git command that failed, with git's own words. */
export class GitError extends Error {
  override readonly name = 'GitError';
}

const GIT_TIMEOUT_MS = 60_000;

/** The identity the runner commits an agent's work under, whatever the repository's config says. */
const COMMITTER = ['user.name=Orchestrator runner', 'user.email=runner@orchestrator.invalid', 'commit.gpgsign=false'];

/** The git commands the runner needs, through the ProcessRepository. */
@Injectable()
export class GitRepository {
  constructor(private readonly processes: ProcessRepository) {}

  /** The top of the working tree `dir` belongs to, or null when it is not in a git repository. */
  async topLevel(dir: string): Promise<string | null> {
    const result = await this.processes.exec('git', ['rev-parse', '--show-toplevel'], { cwd: dir, timeoutMs: GIT_TIMEOUT_MS });
    return result.exitCode === 0 ? result.stdout.trim() : null;
  }

  async branchExists(repo: string, branch: string): Promise<boolean> {
    const result = await this.processes.exec('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: repo, timeoutMs: GIT_TIMEOUT_MS });
    return result.exitCode === 0;
  }

  /** Adds a worktree at `dir` on `branch`: the existing branch, or a new one from `base`. */
  async addWorktree(repo: string, dir: string, branch: string, base: string | null): Promise<void> {
    await this.git(repo, ['worktree', 'prune']);
    if (await this.branchExists(repo, branch)) {
      await this.git(repo, ['worktree', 'add', dir, branch]);
    } else {
      await this.git(repo, ['worktree', 'add', '-b', branch, dir, ...(base === null ? [] : [base])]);
    }
  }

  /** Removes the worktree at `dir` (with whatever it holds uncommitted); its branch stays. */
  async removeWorktree(repo: string, dir: string): Promise<void> {
    await this.git(repo, ['worktree', 'remove', '--force', '--force', dir]);
    await this.git(repo, ['worktree', 'prune']);
  }

  /** The repository whose worktree `dir` is (the main working tree), or null. */
  async mainRepoOf(dir: string): Promise<string | null> {
    const result = await this.processes.exec('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: dir, timeoutMs: GIT_TIMEOUT_MS });
    if (result.exitCode !== 0) return null;
    const commonDir = result.stdout.trim();
    return commonDir.endsWith('/.git') ? commonDir.slice(0, -'/.git'.length) : commonDir;
  }

  async head(dir: string): Promise<string> {
    return (await this.git(dir, ['rev-parse', 'HEAD'])).trim();
  }

  /**
   * Commits everything in the worktree except `excluded` paths; returns false when there
   * was nothing to commit. Hooks are skipped: this records the agent's work, it does not
   * review it.
   */
  async commitAll(dir: string, message: string, excluded: readonly string[]): Promise<boolean> {
    await this.git(dir, ['add', '--all', '--', '.', ...excluded.map((file) => `:(exclude)${file}`)]);
    const staged = await this.processes.exec('git', ['diff', '--cached', '--quiet'], { cwd: dir, timeoutMs: GIT_TIMEOUT_MS });
    if (staged.exitCode === 0) return false;
    await this.git(dir, ['commit', '--no-verify', '--quiet', '-m', message], COMMITTER);
    return true;
  }

  async diffStat(dir: string, from: string, to: string): Promise<DiffStat> {
    if (from === to) return { files: 0, insertions: 0, deletions: 0 };
    return parseNumstat(await this.git(dir, ['diff', '--numstat', from, to]));
  }

  /** Runs `git [-c <config>]… <args>`; a non-zero exit is a GitError with git's own words. */
  private async git(cwd: string, args: string[], config: readonly string[] = []): Promise<string> {
    const result = await this.processes.exec('git', [...config.flatMap((setting) => ['-c', setting]), ...args], { cwd, timeoutMs: GIT_TIMEOUT_MS });
    if (result.exitCode !== 0) throw new GitError(`git ${args.join(' ')} failed in ${cwd}: ${result.stderr.trim() || `exit ${result.exitCode ?? 'unknown'}`}`);
    return result.stdout;
  }
}
