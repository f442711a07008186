import { runnerFailureReason } from './run-error';

describe('runnerFailureReason', () => {
  it('given a write refused with ENOSPC, when the attempt fails, then the reason names the full workspaces disk', () => {
    const refused = Object.assign(new Error("ENOSPC: no space left on device, write '/w/agents/12.json'"), { code: 'ENOSPC' });

    expect(runnerFailureReason(refused, '/w')).toBe("no space left on the workspaces disk (/w): ENOSPC: no space left on device, write '/w/agents/12.json'");
  });

  it("given git failing with its own words for it, when the attempt fails, then the reason names the full disk too", () => {
    const gitFailed = new Error('git worktree add failed: fatal: could not write index: No space left on device');

    expect(runnerFailureReason(gitFailed, '/w')).toMatch(/^no space left on the workspaces disk \(\/w\): git worktree add failed/);
  });

  it('given any other error, when the attempt fails, then the runner says it could not run the stage', () => {
    expect(runnerFailureReason(new Error('spawn EAGAIN'), '/w')).toBe('the runner could not run the stage: spawn EAGAIN');
  });
});
