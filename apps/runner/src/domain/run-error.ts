/** `ENOSPC` as Node reports it, or a tool's (git's) own words for it on stderr. */
const NO_SPACE = /ENOSPC|no space left on device/i;

/**
 * The reason a stage attempt failed when the runner itself could not run it (preparing the
 * workspace, recording the agent, committing its work): a full workspaces disk is named as
 * such — a retry succeeds once space returns — and anything else is passed on as it is.
 */
export function runnerFailureReason(error: unknown, workspacesDir: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code === 'ENOSPC' || NO_SPACE.test(message)) return `no space left on the workspaces disk (${workspacesDir}): ${message}`;
  return `the runner could not run the stage: ${message}`;
}
