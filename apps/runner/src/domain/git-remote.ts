import type { QaVerdict, StageContext } from '@app/contracts';

/**
 * The environment that hands a remote's credential to git without putting it in argv, a
 * config file or a URL: for `http(s)://`, an `Authorization: Basic` header through
 * `GIT_CONFIG_*` (as a forge takes a token: user `x-access-token`); for `ssh://` and
 * `user@host:path`, `file:` names a private key that `GIT_SSH_COMMAND` gives ssh.
 */
export function gitCredentialEnv(url: string, credential: { kind: 'token'; token: string } | { kind: 'ssh-key'; keyPath: string } | null): Record<string, string> {
  if (credential === null) return {};
  if (credential.kind === 'ssh-key') {
    return { GIT_SSH_COMMAND: `ssh -i '${credential.keyPath.replaceAll("'", "'\\''")}' -o IdentitiesOnly=yes -o BatchMode=yes` };
  }
  if (!/^https?:\/\//.test(url)) return {};
  const basic = Buffer.from(`x-access-token:${credential.token}`, 'utf8').toString('base64');
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` };
}

/** Whether the remote URL is reached over ssh (a `file:` credential is then a key, not a token). */
export function isSshUrl(url: string): boolean {
  return url.startsWith('ssh://') || /^[\w.-]+@[\w.-]+:(?!\/\/)/.test(url);
}

/** git's words when the remote refused the credential (as opposed to being unreachable). */
const AUTH_REFUSALS = [
  /Authentication failed/i,
  /could not read (Username|Password)/i,
  /terminal prompts disabled/i,
  /The requested URL returned error: 40[13]/i,
  /HTTP Basic: Access denied/i,
  /Permission denied \(publickey/i,
  /Invalid username or password/i,
];

/** Whether a failed fetch or push was refused for its credential: not retryable until a person fixes it. */
export function isAuthRefusal(stderr: string): boolean {
  return AUTH_REFUSALS.some((pattern) => pattern.test(stderr));
}

export interface PullRequestText {
  title: string;
  body: string;
}

/** The pull request of a task whose QA passed: titled from the task; the specification, the verdict and findings, the cost and the board's link. */
export function pullRequestText(input: {
  taskId: string;
  context: StageContext;
  verdict: QaVerdict;
  /** US dollars over the task's stage runs so far */
  costUsd: number;
  /** the board's public URL, or null when none is set */
  boardUrl: string | null;
}): PullRequestText {
  const { context, verdict } = input;
  const findings = verdict.findings.length === 0 ? ['none'] : verdict.findings;
  const link = input.boardUrl === null ? `Task \`${input.taskId}\`` : `[Task ${input.taskId} on the board](${input.boardUrl.replace(/\/+$/, '')}/#/tasks/${input.taskId})`;
  const body = [
    `${link}, driven through specification → implementation → QA by the orchestrator.`,
    '',
    '## Specification',
    '',
    context.specification?.trim() || '(none recorded)',
    '',
    '## QA verdict',
    '',
    `**${verdict.verdict}**`,
    '',
    '### Findings',
    '',
    ...findings.map((finding) => `- ${finding}`),
    '',
    '## Cost',
    '',
    `$${input.costUsd.toFixed(4)} over the task's stage runs`,
  ].join('\n');
  return { title: context.taskTitle.slice(0, 256), body };
}
