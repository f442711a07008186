import { gitEnv, isWithinRoots, parseNumstat, repoPathRefusal, repositoryRefusal, taskBranch } from './workspace-policy';

describe('workspace policy', () => {
  it('names the task branch orch/<taskId>', () => {
    expect(taskBranch('0193-abc')).toBe('orch/0193-abc');
  });

  describe('isWithinRoots', () => {
    it.each([
      ['/srv/repos', true],
      ['/srv/repos/app', true],
      ['/srv/repos/a/b/c', true],
      ['/srv/repos-evil/app', false],
      ['/srv', false],
      ['/etc/passwd', false],
      ['/srv/repos/../secrets', false],
    ])('%s under /srv/repos → %s', (target, expected) => {
      expect(isWithinRoots(target, ['/srv/repos'])).toBe(expected);
    });
  });

  describe('repositoryRefusal', () => {
    const roots = ['/srv/repos'];
    it('given a repository whose top and git dir are under a root, then it may be used', () => {
      expect(repositoryRefusal('/srv/repos/app/src', { topLevel: '/srv/repos/app', commonDir: '/srv/repos/app/.git' }, roots)).toBeNull();
    });

    it('given a path under a root inside a repository whose top is outside, then it is refused naming the repository', () => {
      expect(repositoryRefusal('/srv/repos', { topLevel: '/srv', commonDir: '/srv/.git' }, roots)).toBe(
        'repoPath /srv/repos is inside the repository /srv, which is outside WORKSPACE_ALLOWED_ROOTS (/srv/repos)',
      );
    });

    it('given a checkout under a root whose git dir is outside, then it is refused naming the git dir', () => {
      expect(repositoryRefusal('/srv/repos/wt', { topLevel: '/srv/repos/wt', commonDir: '/home/me/secret/.git' }, roots)).toBe(
        'repoPath /srv/repos/wt keeps its git data in /home/me/secret/.git, which is outside WORKSPACE_ALLOWED_ROOTS (/srv/repos)',
      );
    });
  });

  it('given the runner environment, then git gets PATH, HOME and locale and no prompt — never the key or the system variables', () => {
    expect(
      gitEnv({ PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', CLAUDE_API_KEY: 'sk-ant-x', ANTHROPIC_API_KEY: 'sk-ant-y', NATS_URL: 'nats://n', DATABASE_URL: 'postgres://d', API_TOKEN: 't', GIT_DIR: '/elsewhere' }),
    ).toEqual({ PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', GIT_TERMINAL_PROMPT: '0' });
  });

  describe('repoPathRefusal', () => {
    it('given a repository under an allowed root, then it may be used', () => {
      expect(repoPathRefusal('/srv/repos/app', '/srv/repos/app', ['/home/x', '/srv/repos'])).toBeNull();
    });

    it('given a relative path, then it is refused', () => {
      expect(repoPathRefusal('repos/app', null, ['/srv/repos'])).toBe('repoPath repos/app is not an absolute path');
    });

    it('given no allowed roots, then every repository is refused, naming the variable', () => {
      expect(repoPathRefusal('/srv/repos/app', '/srv/repos/app', [])).toMatch(/WORKSPACE_ALLOWED_ROOTS is empty/);
    });

    it('given a path that does not exist, then it is refused', () => {
      expect(repoPathRefusal('/srv/repos/nope', null, ['/srv/repos'])).toBe('repoPath /srv/repos/nope does not exist');
    });

    it('given a link under a root that resolves outside it, then it is refused with both paths', () => {
      expect(repoPathRefusal('/srv/repos/link', '/etc', ['/srv/repos'])).toBe('repoPath /srv/repos/link (/etc) is outside WORKSPACE_ALLOWED_ROOTS (/srv/repos)');
    });
  });

  describe('parseNumstat', () => {
    it('sums files, insertions and deletions; a binary file counts as a file only', () => {
      expect(parseNumstat('3\t1\tsrc/a.ts\n10\t0\tREADME.md\n-\t-\tlogo.png\n')).toEqual({ files: 3, insertions: 13, deletions: 1 });
    });

    it('given no changes, then all are zero', () => {
      expect(parseNumstat('')).toEqual({ files: 0, insertions: 0, deletions: 0 });
    });
  });
});
