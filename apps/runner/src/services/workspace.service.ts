import { Inject, Injectable, Logger } from '@nestjs/common';
import { lstat, mkdir, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DiffStat, StageDiff, StageType, WorkspaceRemote, WorkspaceSpec } from '@app/contracts';
import { COMMAND_TEMPLATES } from '../domain/prompt';
import { recordedDiff } from '../domain/stage-diff';
import { repoPathRefusal, repositoryRefusal, taskBranch } from '../domain/workspace-policy';
import { GitError, GitRepository, type AgentTree } from '../repositories/git.repository';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';
import { RemoteService } from './remote.service';

/** A task's workspace that cannot be made: a refused or broken repository. Not retryable. */
export class WorkspaceRefused extends Error {
  override readonly name = 'WorkspaceRefused';
}

export interface Workspace {
  taskId: string;
  /** where the agent runs: the worktree, or the scratch directory */
  cwd: string;
  /** the task's own CLAUDE_CONFIG_DIR, so its sessions can be resumed */
  configDir: string;
  /** the worktree's branch, or null for a scratch directory */
  branch: string | null;
  /** the git dir the repository registered for the worktree (the runner's git calls use it, never the worktree's `.git`); null for a scratch directory */
  gitDir: string | null;
  /**
   * the project's remote the branch is pushed to; the branch's commit there as last fetched
   * or pushed (null: not there yet), and the commit the worktree started from (the base's,
   * while the branch is not on the remote); null for a local repository
   */
  remote: { spec: WorkspaceRemote; pushedHead: string | null; startHead: string } | null;
}

/** The workspace's HEAD when a stage started, to diff against when it ends. */
export interface WorkspaceSnapshot {
  head: string | null;
}

/** What a stage changed on the task's branch: its stat and its (size-limited) diff. */
export interface StageChange {
  diffStat: DiffStat;
  diff: StageDiff;
}

/** The slash-command files the runner writes: never part of the agent's commits. */
const COMMAND_FILES = Object.keys(COMMAND_TEMPLATES).map((name) => `.claude/commands/${name}`);

/**
 * Task workspaces under `WORKSPACES_DIR/tasks/<taskId>/`: `work/` (a git worktree of the
 * task's repository on `orch/<taskId>`, or a scratch directory), `claude-config/` (the
 * task's CLAUDE_CONFIG_DIR) and `sessions.json` (the CLI session of each stage type).
 */
@Injectable()
export class WorkspaceService {
  private readonly logger = new Logger('Workspace');
  private base: Promise<string> | null = null;

  constructor(
    private readonly git: GitRepository,
    private readonly remotes: RemoteService,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  /**
   * Makes (or reuses) the task's workspace and writes the project's slash commands into
   * it — again before every stage, so no stage's agent can rewrite a later stage's prompt.
   * A `repoPath` outside `WORKSPACE_ALLOWED_ROOTS` (or in a repository that is) is refused
   * here, before anything runs in it.
   */
  async prepare(taskId: string, spec: WorkspaceSpec): Promise<Workspace> {
    const root = await this.taskDir(taskId);
    const cwd = path.join(root, 'work');
    const configDir = path.join(root, 'claude-config');
    let branch: string | null = null;
    let gitDir: string | null = null;
    let remote: Workspace['remote'] = null;
    if (spec.remote) {
      branch = taskBranch(taskId);
      await mkdir(root, { recursive: true });
      const checkout = await this.checkoutRemote(taskId, cwd, spec.remote, spec.baseBranch);
      gitDir = checkout.gitDir;
      remote = { spec: spec.remote, pushedHead: checkout.pushedHead, startHead: checkout.startHead };
    } else if (spec.repoPath !== null) {
      const repo = await this.allowedRepo(spec.repoPath);
      branch = taskBranch(taskId);
      await mkdir(root, { recursive: true });
      gitDir = (await exists(cwd)) ? await this.registeredGitDir(repo, cwd) : null;
      if (gitDir === null) {
        await rm(cwd, { recursive: true, force: true });
        try {
          await this.git.addWorktree(repo, cwd, branch, spec.baseBranch);
        } catch (error) {
          if (error instanceof GitError) throw new WorkspaceRefused(`could not make a worktree of ${spec.repoPath} on ${branch}: ${error.message}`);
          throw error;
        }
        gitDir = await this.registeredGitDir(repo, cwd);
        if (gitDir === null) throw new WorkspaceRefused(`git made no worktree of ${spec.repoPath} at ${cwd}`);
        this.logger.log(`Worktree for task ${taskId} at ${cwd} on ${branch} (from ${spec.baseBranch ?? 'HEAD'} of ${repo})`);
      }
    }
    await mkdir(configDir, { recursive: true });
    await this.writeCommands(cwd);
    return { taskId, cwd, configDir, branch, gitDir, remote };
  }

  /**
   * The task's worktree of the project's mirror, fetched first: on the branch as last pushed
   * when the remote has it (a retry on another runner continues from there), else a new
   * branch from the base. A worktree this runner kept is moved forward to what was pushed
   * since (by another runner), never back.
   */
  private async checkoutRemote(taskId: string, cwd: string, remote: WorkspaceRemote, baseBranch: string | null): Promise<{ gitDir: string; pushedHead: string | null; startHead: string }> {
    const mirror = await this.remotes.sync(remote);
    const branch = taskBranch(taskId);
    const pushedHead = await this.git.commitOf(mirror, `refs/remotes/origin/${branch}`);
    let gitDir = (await exists(cwd)) ? await this.registeredGitDir(mirror, cwd) : null;
    if (gitDir !== null) {
      const tree = { dir: cwd, gitDir };
      const head = await this.git.head(tree);
      if (pushedHead !== null && head !== pushedHead && (await this.git.isAncestor(tree, head, pushedHead))) {
        await this.git.resetTo(tree, pushedHead);
        this.logger.log(`Worktree of task ${taskId} moved to ${pushedHead}, as ${branch} was pushed since`);
      }
      return { gitDir, pushedHead, startHead: pushedHead ?? (await this.git.commitOf(mirror, `refs/remotes/origin/${baseBranch ?? 'HEAD'}`)) ?? head };
    }
    if (baseBranch === null && pushedHead === null) throw new WorkspaceRefused(`task ${taskId} names no base branch of ${remote.url}`);
    const start = pushedHead ?? (await this.git.commitOf(mirror, `refs/remotes/origin/${baseBranch}`));
    if (start === null) throw new WorkspaceRefused(`the remote ${remote.url} has no branch ${baseBranch}`);
    await rm(cwd, { recursive: true, force: true });
    try {
      await this.git.addWorktreeFrom(mirror, cwd, branch, start);
    } catch (error) {
      if (error instanceof GitError) throw new WorkspaceRefused(`could not make a worktree of ${remote.url} on ${branch}: ${error.message}`);
      throw error;
    }
    gitDir = await this.registeredGitDir(mirror, cwd);
    if (gitDir === null) throw new WorkspaceRefused(`git made no worktree of ${remote.url} at ${cwd}`);
    this.logger.log(`Worktree for task ${taskId} at ${cwd} on ${branch} (from ${pushedHead === null ? baseBranch : `${branch} as last pushed`} of ${remote.url})`);
    return { gitDir, pushedHead, startHead: start };
  }

  /**
   * Pushes the task's branch to the project's remote when the stage moved it past what the
   * remote has (force-with-lease against that commit, the task's branch only). False when
   * there was nothing to push or no remote.
   */
  async pushStage(workspace: Workspace): Promise<boolean> {
    const tree = agentTree(workspace);
    if (tree === null || workspace.remote === null || workspace.branch === null) return false;
    const head = await this.git.head(tree);
    if (head === (workspace.remote.pushedHead ?? workspace.remote.startHead)) return false;
    await this.remotes.push(workspace.remote.spec, tree, workspace.branch, workspace.remote.pushedHead);
    workspace.remote.pushedHead = head;
    return true;
  }

  /**
   * `.claude/commands/` made afresh with the runner's templates: whatever the agent left there
   * is removed first, and a `.claude` that is not a plain directory (a symlink the agent made,
   * to have the runner write elsewhere) is removed too; files are created, never followed.
   */
  private async writeCommands(cwd: string): Promise<void> {
    const claudeDir = path.join(cwd, '.claude');
    const kind = await lstat(claudeDir).catch(() => null);
    if (kind !== null && !kind.isDirectory()) await rm(claudeDir, { force: true });
    const commandsDir = path.join(claudeDir, 'commands');
    await rm(commandsDir, { recursive: true, force: true });
    await mkdir(commandsDir, { recursive: true });
    for (const [name, text] of Object.entries(COMMAND_TEMPLATES)) {
      await writeFile(path.join(commandsDir, name), text, { encoding: 'utf8', flag: 'wx' });
    }
  }

  async snapshot(workspace: Workspace): Promise<WorkspaceSnapshot> {
    const tree = agentTree(workspace);
    return { head: tree === null ? null : await this.git.head(tree) };
  }

  /**
   * Commits what the stage changed on the task's branch and measures it from the HEAD it
   * started at (so commits the agent made itself count too), with the diff itself
   * (recordedDiff: size-limited). Null for a scratch directory.
   */
  async commitStage(workspace: Workspace, before: WorkspaceSnapshot, message: string): Promise<StageChange | null> {
    const tree = agentTree(workspace);
    if (tree === null || workspace.branch === null || before.head === null) return null;
    await this.git.commitAll(tree, message, COMMAND_FILES);
    const after = await this.git.head(tree);
    const stat = await this.git.diffStat(tree, before.head, after);
    return {
      diffStat: { ...stat, branch: workspace.branch, fromCommit: before.head, toCommit: after },
      diff: recordedDiff(before.head, after, await this.git.patch(tree, before.head, after)),
    };
  }

  /**
   * Removes the task's worktree (its branch stays in the repository), unless WORKSPACE_KEEP.
   * Its CLI config and sessions stay: a follow-up on the ended task resumes the
   * implementation's session (`--resume`), which the CLI keeps in that config dir.
   */
  async release(taskId: string): Promise<void> {
    if (this.config.workspaceKeep) return;
    const root = await this.taskDir(taskId);
    const cwd = path.join(root, 'work');
    if (!(await exists(cwd))) return;
    const repo = (await this.isWorktree(cwd)) ? await this.git.mainRepoOf(cwd) : null;
    if (repo !== null) await this.git.removeWorktree(repo, cwd);
    await rm(cwd, { recursive: true, force: true });
    this.logger.log(`Removed the workspace of task ${taskId}${repo === null ? '' : ` (worktree of ${repo}; branch ${taskBranch(taskId)} kept)`}`);
  }

  /** The CLI session a stage type of this task last ran in, to resume. */
  async sessionOf(taskId: string, stageType: StageType): Promise<string | null> {
    return (await this.readSessions(taskId))[stageType] ?? null;
  }

  async rememberSession(taskId: string, stageType: StageType, sessionId: string | null): Promise<void> {
    const sessions = await this.readSessions(taskId);
    if (sessionId === null) delete sessions[stageType];
    else sessions[stageType] = sessionId;
    const root = await this.taskDir(taskId);
    await mkdir(root, { recursive: true });
    await writeFile(path.join(root, 'sessions.json'), JSON.stringify(sessions), 'utf8');
  }

  private async readSessions(taskId: string): Promise<Partial<Record<StageType, string>>> {
    try {
      const value: unknown = JSON.parse(await readFile(path.join(await this.taskDir(taskId), 'sessions.json'), 'utf8'));
      return typeof value === 'object' && value !== null ? (value as Partial<Record<StageType, string>>) : {};
    } catch {
      return {};
    }
  }

  /** The repository at `repoPath`, resolved, if it may be used; else WorkspaceRefused. */
  private async allowedRepo(repoPath: string): Promise<string> {
    const resolved = await realpath(repoPath).catch(() => null);
    const roots = await Promise.all(this.config.workspaceAllowedRoots.map((root) => realpath(root).catch(() => root)));
    const refusal = repoPathRefusal(repoPath, resolved, roots);
    if (refusal !== null || resolved === null) throw new WorkspaceRefused(refusal ?? `repoPath ${repoPath} does not exist`);
    const top = await this.git.topLevel(resolved);
    if (top === null) throw new WorkspaceRefused(`repoPath ${repoPath} is not a git repository`);
    const used = { topLevel: await realpath(top), commonDir: await realpath(await this.git.commonDir(top)) };
    const outside = repositoryRefusal(repoPath, used, roots);
    if (outside !== null) throw new WorkspaceRefused(outside);
    return used.topLevel;
  }

  /**
   * The git dir `repo` registered for a worktree at `dir` (`<common dir>/worktrees/<name>`,
   * whose `gitdir` file names `<dir>/.git`), or null. Read from the repository's side, so
   * whatever the agent made of the worktree's own `.git` does not count.
   */
  private async registeredGitDir(repo: string, dir: string): Promise<string | null> {
    const worktrees = path.join(await this.git.commonDir(repo), 'worktrees');
    const names = await readdir(worktrees).catch(() => [] as string[]);
    for (const name of names) {
      const registered = await readFile(path.join(worktrees, name, 'gitdir'), 'utf8').catch(() => '');
      if (registered.trim() === path.join(dir, '.git')) return path.join(worktrees, name);
    }
    return null;
  }

  /** `cwd` is the top of a git worktree (not a plain directory, nor inside another checkout). */
  private async isWorktree(cwd: string): Promise<boolean> {
    return (await exists(path.join(cwd, '.git'))) && (await this.git.topLevel(cwd)) === cwd;
  }

  /** Under WORKSPACES_DIR with its symlinks resolved, so paths compare equal to git's. */
  private async taskDir(taskId: string): Promise<string> {
    this.base ??= mkdir(this.config.workspacesDir, { recursive: true }).then(() => realpath(this.config.workspacesDir));
    return path.join(await this.base, 'tasks', taskId);
  }
}

function agentTree(workspace: Workspace): AgentTree | null {
  return workspace.gitDir === null ? null : { dir: workspace.cwd, gitDir: workspace.gitDir };
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
