import { mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { uuidv7 } from '@app/contracts';
import { eventually, git, makeGitRepo } from '@app/testing';
import { RunnerHarness } from '@test/support';
import { COMMAND_TEMPLATES } from './domain/prompt';
import { useSuite } from '../../../test/support/suite';

const exists = (file: string) => stat(file).then(() => true, () => false);

/** A repository with one commit on `main`, under `root`. */
const makeRepo = (root: string, name: string) => makeGitRepo(root, name, '# app\n\nline two\nline three\n');

describe('task workspaces: git worktrees on orch/<taskId>', () => {
  let scratch: string;
  let allowed: string;
  let outside: string;
  let fakeLog: string;
  let harness: RunnerHarness;

  useSuite(async (keep) => {
    scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'runner-git-')));
    allowed = path.join(scratch, 'repos');
    outside = path.join(scratch, 'elsewhere');
    fakeLog = path.join(scratch, 'fake-claude.log');
    process.env.FAKE_CLAUDE_LOG = fakeLog;
    keep(() => rm(scratch, { recursive: true, force: true }));
    keep(async () => {
      delete process.env.FAKE_CLAUDE_LOG;
    });
    harness = keep(await RunnerHarness.start({ workspaceAllowedRoots: [allowed], workspacesDir: path.join(scratch, 'workspaces') }));
  }, 30_000);

  it('given a repository under an allowed root, then each stage runs in a worktree on orch/<taskId>, its change is committed with a diff stat, and the worktree goes when the task ends', async () => {
    const repo = await makeRepo(allowed, 'app');
    const base = git(repo, 'rev-parse', 'main');
    const workspace = { repoPath: repo, baseBranch: 'main' };
    const taskId = uuidv7();
    const worktree = path.join(scratch, 'workspaces', 'tasks', taskId, 'work');

    // specification: no change, so nothing committed and an empty diff stat
    const spec = await harness.schedule({ taskId, stageType: 'specification', workspace });
    const specified = await harness.outcomeOf(spec, 'StageCompleted');
    expect(specified.diffStat).toEqual({ files: 0, insertions: 0, deletions: 0, branch: `orch/${taskId}`, fromCommit: base, toCommit: base });
    expect(specified.diff).toEqual({ baseSha: base, headSha: base, patch: '', truncated: false });
    expect(git(worktree, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe(`orch/${taskId}`);
    expect(git(worktree, 'rev-parse', 'HEAD')).toBe(base);

    // implementation: the fake writes a file; the runner commits it on the branch
    const impl = await harness.schedule({ taskId, stageType: 'implementation', workspace, description: 'Add it [[fake:write-file=src/health.ts]]' });
    const completed = await harness.outcomeOf(impl, 'StageCompleted');
    const written = (await readFile(path.join(worktree, 'src', 'health.ts'), 'utf8')).split('\n').length - 1;
    const head = git(repo, 'rev-parse', `orch/${taskId}`);
    expect(completed.diffStat).toEqual({ files: 1, insertions: written, deletions: 0, branch: `orch/${taskId}`, fromCommit: base, toCommit: head });
    // the diff itself, as git prints it between the stage's two commits
    expect(completed.diff).toMatchObject({ baseSha: base, headSha: head, truncated: false });
    expect(completed.diff?.patch.trimEnd()).toBe(git(repo, 'diff', '-M', base, head));
    expect(completed.diff?.patch).toContain('+++ b/src/health.ts');
    expect(git(repo, 'log', '--format=%s', `orch/${taskId}`, '-1')).toBe(`orch: implementation of task ${taskId} (attempt 1)`);
    expect(git(repo, 'diff', '--name-only', base, `orch/${taskId}`)).toBe('src/health.ts'); // the slash-command files are never committed
    expect(git(worktree, 'status', '--porcelain', '--untracked-files=no')).toBe('');
    expect(git(repo, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('main'); // the repository's own checkout is untouched

    // the task ends: the worktree is removed, the branch with the work stays
    await harness.endTask(taskId, spec.orchestrationId);
    // git removes the directory first, then its record in the repository: wait for both
    await eventually(async () => ((await exists(worktree)) || git(repo, 'worktree', 'list', '--porcelain').includes(worktree) ? undefined : true), 10_000, 'the worktree and its record to be removed');
    expect(git(repo, 'worktree', 'list', '--porcelain')).not.toContain(worktree);
    expect(git(repo, 'branch', '--list', `orch/${taskId}`)).toContain(`orch/${taskId}`);
  }, 60_000);

  it('given a repoPath outside WORKSPACE_ALLOWED_ROOTS, then StageFailed refuses it before any process starts', async () => {
    const repo = await makeRepo(outside, 'secret');
    const stage = await harness.schedule({ workspace: { repoPath: repo, baseBranch: 'main' }, description: `marker-${uuidv7()}` });

    const failed = await harness.outcomeOf(stage, 'StageFailed');
    expect(failed).toMatchObject({ retryable: false, exitCode: null, result: null });
    expect(failed.reason).toBe(`repoPath ${repo} is outside WORKSPACE_ALLOWED_ROOTS (${allowed})`);
    const invocations = await readFile(fakeLog, 'utf8').catch(() => '');
    expect(invocations).not.toContain(stage.command.data.context.taskDescription); // the agent never ran
    expect(git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((line) => line.startsWith('worktree '))).toHaveLength(1);
    expect(git(repo, 'branch', '--list')).not.toContain('orch/');
  }, 30_000);

  it('given a symlink under an allowed root that leads outside, then it is refused too', async () => {
    const target = await makeRepo(outside, 'linked');
    await mkdir(allowed, { recursive: true });
    const link = path.join(allowed, 'link-to-outside');
    await symlink(target, link);
    const failed = await harness.outcomeOf(await harness.schedule({ workspace: { repoPath: link, baseBranch: null } }), 'StageFailed');
    expect(failed).toMatchObject({ retryable: false, reason: `repoPath ${link} (${target}) is outside WORKSPACE_ALLOWED_ROOTS (${allowed})` });
  }, 30_000);

  it('given a directory under an allowed root inside a repository whose top is outside, then it is refused before any worktree is made', async () => {
    const top = await makeRepo(outside, 'enclosing');
    const inner = path.join(top, 'nested');
    await mkdir(inner, { recursive: true });
    const roots = [inner];
    const narrow = await RunnerHarness.start({ workspaceAllowedRoots: roots, workspacesDir: path.join(scratch, 'narrow') });
    try {
      const failed = await narrow.outcomeOf(await narrow.schedule({ workspace: { repoPath: inner, baseBranch: null } }), 'StageFailed');
      expect(failed).toMatchObject({ retryable: false, reason: `repoPath ${inner} is inside the repository ${top}, which is outside WORKSPACE_ALLOWED_ROOTS (${inner})` });
      expect(git(top, 'branch', '--list')).not.toContain('orch/');
    } finally {
      await narrow.stop();
    }
  }, 30_000);

  it('given a checkout under an allowed root that is a worktree of a repository outside, then it is refused naming where its git data is', async () => {
    const foreign = await makeRepo(outside, 'foreign');
    await mkdir(allowed, { recursive: true });
    const checkout = path.join(allowed, 'foreign-worktree');
    git(foreign, 'worktree', 'add', '--quiet', '-b', 'side', checkout);
    const failed = await harness.outcomeOf(await harness.schedule({ workspace: { repoPath: checkout, baseBranch: null } }), 'StageFailed');
    expect(failed).toMatchObject({ retryable: false, reason: `repoPath ${checkout} keeps its git data in ${path.join(foreign, '.git')}, which is outside WORKSPACE_ALLOWED_ROOTS (${allowed})` });
    expect(git(foreign, 'branch', '--list')).not.toContain('orch/');
  }, 30_000);

  it('given an agent that plants post-commit, reference-transaction and other hooks and an fsmonitor, then the runner\'s commit runs none of them', async () => {
    const repo = await makeRepo(allowed, 'hooked');
    const marker = path.join(scratch, `hooks-ran-${uuidv7()}`);
    const stage = await harness.schedule({ workspace: { repoPath: repo, baseBranch: 'main' }, description: `Plant [[fake:plant-hooks=${marker},write-file=src/a.ts]]` });
    const completed = await harness.outcomeOf(stage, 'StageCompleted');
    expect(await exists(marker)).toBe(false); // checked before any git of the test's own could run them
    expect(completed.diffStat).toMatchObject({ files: 1, branch: `orch/${stage.taskId}` });
    expect(git(repo, 'log', '--format=%s', '-1', `orch/${stage.taskId}`)).toBe(`orch: implementation of task ${stage.taskId} (attempt 1)`);
    // the agent did plant them (on the host without a sandbox, nothing stops that): they were there to run
    for (const hook of ['post-commit', 'reference-transaction', 'pre-commit']) expect(await exists(path.join(repo, '.git', 'hooks', hook))).toBe(true);
    await harness.endTask(stage.taskId, stage.orchestrationId);
    await eventually(async () => ((await exists(path.join(scratch, 'workspaces', 'tasks', stage.taskId, 'work'))) ? undefined : true), 10_000, 'the worktree to go');
    expect(await exists(path.join(scratch, 'workspaces', 'tasks', stage.taskId, 'claude-config'))).toBe(true); // kept for a follow-up's --resume
    expect(await exists(marker)).toBe(false); // removing the worktree ran none either
  }, 30_000);

  it('given an implementation that rewrites the review prompt (and turns .claude into a symlink), then QA runs the runner\'s own review prompt', async () => {
    const repo = await makeRepo(allowed, 'prompts');
    const workspace = { repoPath: repo, baseBranch: 'main' };
    const taskId = uuidv7();
    const worktree = path.join(scratch, 'workspaces', 'tasks', taskId, 'work');
    await harness.outcomeOf(await harness.schedule({ taskId, stageType: 'implementation', workspace, description: 'Rewrite [[fake:write-file=.claude/commands/review.md]]' }), 'StageCompleted');
    expect(await readFile(path.join(worktree, '.claude', 'commands', 'review.md'), 'utf8')).toContain('Written by fake-claude');
    // as the agent could between stages too: .claude becomes a link to a directory outside, so a careless runner would write there
    const decoy = path.join(scratch, `decoy-${taskId}`);
    await mkdir(path.join(decoy, 'commands'), { recursive: true });
    await rm(path.join(worktree, '.claude'), { recursive: true });
    await symlink(decoy, path.join(worktree, '.claude'));

    const qa = await harness.schedule({ taskId, stageType: 'qa', workspace, context: { specification: 'spec', implementationSummary: 'done' } });
    await harness.outcomeOf(qa, 'StageCompleted');
    const ran = (await harness.logLines(taskId)).filter((line) => line.json?.subtype === 'fake_slash_command').map((line) => line.json);
    expect(ran).toEqual([expect.objectContaining({ name: 'review', sha256: createHash('sha256').update(COMMAND_TEMPLATES['review.md']).digest('hex') })]);
    expect(await readdir(path.join(decoy, 'commands'))).toEqual([]);
  }, 30_000);

  it('given a base branch that does not exist, then StageFailed says so and is not retryable', async () => {
    const repo = await makeRepo(allowed, 'nobranch');
    const failed = await harness.outcomeOf(await harness.schedule({ workspace: { repoPath: repo, baseBranch: 'does-not-exist' } }), 'StageFailed');
    expect(failed.retryable).toBe(false);
    expect(failed.reason).toMatch(/^could not make a worktree of .*nobranch on orch\/.*does-not-exist/);
  }, 30_000);

  it('given WORKSPACE_KEEP, then the worktree stays when the task ends', async () => {
    const keeper = await RunnerHarness.start({ workspaceAllowedRoots: [allowed], workspaceKeep: true, workspacesDir: path.join(scratch, 'kept') });
    try {
      const repo = await makeRepo(allowed, 'kept');
      const stage = await keeper.schedule({ workspace: { repoPath: repo, baseBranch: 'main' } });
      await keeper.outcomeOf(stage, 'StageCompleted');
      await keeper.endTask(stage.taskId, stage.orchestrationId);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await exists(path.join(scratch, 'kept', 'tasks', stage.taskId, 'work', '.git'))).toBe(true);
    } finally {
      await keeper.stop();
    }
  }, 30_000);
});
