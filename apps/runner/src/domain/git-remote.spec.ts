import { gitCredentialEnv, isAuthRefusal, isSshUrl, pullRequestText } from './git-remote';

describe('a remote credential handed to git', () => {
  it('given an https remote and a token, then git gets a basic-auth header through GIT_CONFIG_*, never a URL or argument', () => {
    const env = gitCredentialEnv('https://git.example.com/a/b.git', { kind: 'token', token: 'ghp_secret' });

    expect(env).toEqual({ GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from('x-access-token:ghp_secret').toString('base64')}` });
  });

  it('given an ssh remote and a key file, then ssh is told to use that key only, in batch mode', () => {
    expect(isSshUrl('git@github.com:a/b.git')).toBe(true);
    expect(isSshUrl('https://github.com/a/b.git')).toBe(false);
    expect(gitCredentialEnv('git@github.com:a/b.git', { kind: 'ssh-key', keyPath: "/keys/it's" })).toEqual({ GIT_SSH_COMMAND: `ssh -i '/keys/it'\\''s' -o IdentitiesOnly=yes -o BatchMode=yes` });
  });

  it.each([
    ["fatal: could not read Username for 'https://x': terminal prompts disabled", true],
    ['fatal: Authentication failed for https://x/', true],
    ['git@x: Permission denied (publickey).', true],
    ['fatal: unable to access https://x/: Failed to connect to x port 443: Connection refused', false],
    ['fatal: unable to access https://x/: Could not resolve host: x', false],
  ])('given git saying %j, then it is an auth refusal: %s', (stderr, refused) => {
    expect(isAuthRefusal(stderr)).toBe(refused);
  });
});

describe('the pull request of a task whose QA passed', () => {
  it('given the specification, verdict, cost and board URL, then the body holds each and the title is the task', () => {
    const text = pullRequestText({
      taskId: 't-1',
      context: { taskTitle: 'Add a health endpoint', taskDescription: 'GET /health', specification: 'It answers 200.' },
      verdict: { verdict: 'pass', findings: ['Consider a test for HEAD'] },
      costUsd: 0.0312,
      boardUrl: 'https://board.example.com/',
    });

    expect(text.title).toBe('Add a health endpoint');
    expect(text.body).toContain('[Task t-1 on the board](https://board.example.com/#/tasks/t-1)');
    expect(text.body).toContain('## Specification\n\nIt answers 200.');
    expect(text.body).toContain('**pass**');
    expect(text.body).toContain('- Consider a test for HEAD');
    expect(text.body).toContain("$0.0312 over the task's stage runs");
  });
});
