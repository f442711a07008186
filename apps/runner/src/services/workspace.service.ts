import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DiffStat, StageType, WorkspaceSpec } from '@app/contracts';
import { COMMAND_TEMPLATES } from '../domain/prompt';
import { repoPathRefusal, taskBranch } from '../domain/workspace-policy';
import { GitError, GitRepository } from '../repositories/git.repository';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';

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
}

/** The workspace's HEAD when a stage started, to diff against when it ends. */
export interface WorkspaceSnapshot {
  head: string | null;
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
  /** tasks whose workspace this runner has prepared and not released */
  private readonly ready = new Set<string>();

  constructor(
    private readonly git: GitRepository,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  /**
   * Makes (or reuses) the task's workspace and writes the project's slash commands into
   * it. A `repoPath` outside `WORKSPACE_ALLOWED_ROOTS` is refused here, before anything
   * runs in it.
   */
  async prepare(taskId: string, spec: WorkspaceSpec): Promise<Workspace> {
    const root = await this.taskDir(taskId);
    const cwd = path.join(root, 'work');
    const configDir = path.join(root, 'claude-config');
    let branch: string | null = null;
    if (spec.repoPath !== null) {
      const repo = await this.allowedRepo(spec.repoPath);
      branch = taskBranch(taskId);
      await mkdir(root, { recursive: true });
      if (!(await this.isWorktree(cwd))) {
        await rm(cwd, { recursive: true, force: true });
        this.ready.delete(taskId);
        try {
          await this.git.addWorktree(repo, cwd, branch, spec.baseBranch);
        } catch (error) {
          if (error instanceof GitError) throw new WorkspaceRefused(`could not make a worktree of ${spec.repoPath} on ${branch}: ${error.message}`);
          throw error;
        }
        this.logger.log(`Worktree for task ${taskId} at ${cwd} on ${branch} (from ${spec.baseBranch ?? 'HEAD'} of ${repo})`);
      }
    }
    // the next stages of the task find it ready (a worktree is checked above every time)
    if (!this.ready.has(taskId) || !(await exists(path.join(cwd, '.claude', 'commands')))) {
      await mkdir(path.join(cwd, '.claude', 'commands'), { recursive: true });
      await mkdir(configDir, { recursive: true });
      for (const [name, text] of Object.entries(COMMAND_TEMPLATES)) {
        await writeFile(path.join(cwd, '.claude', 'commands', name), text, 'utf8');
      }
      this.ready.add(taskId);
    }
    return { taskId, cwd, configDir, branch };
  }

  async snapshot(workspace: Workspace): Promise<WorkspaceSnapshot> {
    return { head: workspace.branch === null ? null : await this.git.head(workspace.cwd) };
  }

  /**
   * Commits what the stage changed on the task's branch and measures it from the HEAD it
   * started at (so commits the agent made itself count too). Null for a scratch directory.
   */
  async commitStage(workspace: Workspace, before: WorkspaceSnapshot, message: string): Promise<DiffStat | null> {
    if (workspace.branch === null || before.head === null) return null;
    await this.git.commitAll(workspace.cwd, message, COMMAND_FILES);
    const after = await this.git.head(workspace.cwd);
    const stat = await this.git.diffStat(workspace.cwd, before.head, after);
    return { ...stat, branch: workspace.branch, fromCommit: before.head, toCommit: after };
  }

  /** Removes the task's workspace (its branch stays in the repository), unless WORKSPACE_KEEP. */
  async release(taskId: string): Promise<void> {
    this.ready.delete(taskId);
    if (this.config.workspaceKeep) return;
    const root = await this.taskDir(taskId);
    const cwd = path.join(root, 'work');
    if (!(await exists(root))) return;
    const repo = (await this.isWorktree(cwd)) ? await this.git.mainRepoOf(cwd) : null;
    if (repo !== null) await this.git.removeWorktree(repo, cwd);
    await rm(root, { recursive: true, force: true });
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
    return top;
  }

  /** Under WORKSPACES_DIR with its symlinks resolved, so paths compare equal to git's. */
  /** `cwd` is the top of a git worktree (not a plain directory, nor inside another checkout). */
  private async isWorktree(cwd: string): Promise<boolean> {
    return (await exists(path.join(cwd, '.git'))) && (await this.git.topLevel(cwd)) === cwd;
  }

  private async taskDir(taskId: string): Promise<string> {
    this.base ??= mkdir(this.config.workspacesDir, { recursive: true }).then(() => realpath(this.config.workspacesDir));
    return path.join(await this.base, 'tasks', taskId);
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
