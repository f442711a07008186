import { isWithinRoots, parseNumstat, repoPathRefusal, taskBranch } from './workspace-policy';

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
