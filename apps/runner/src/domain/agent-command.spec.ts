import { agentArgs, agentEnv, agentSecrets } from './agent-command';

describe('agent command', () => {
  const options = { permissionMode: 'acceptEdits', model: null, maxTurns: 0, allowedTools: [] as string[] };

  it('given the defaults, then the command is print mode with stream-json, verbose and the permission mode, and no prompt (it goes on stdin)', () => {
    expect(agentArgs(options, null)).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits']);
  });

  it('given a model, max turns, allowed tools and a session to resume, then each flag is there', () => {
    const args = agentArgs({ permissionMode: 'default', model: 'sonnet', maxTurns: 30, allowedTools: ['Read', 'Bash(git diff:*)'] }, 'session-1');
    expect(args).toEqual([
      '-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'default',
      '--model', 'sonnet', '--max-turns', '30', '--allowedTools', 'Read', 'Bash(git diff:*)', '--resume', 'session-1',
    ]);
  });

  it('given the runner env, then it is passed through with BACKEND_URL, the key as ANTHROPIC_API_KEY, the task config dir and no telemetry — but not CLAUDE_API_KEY', () => {
    const env = agentEnv(
      { PATH: '/usr/bin', ANTHROPIC_BASE_URL: 'http://proxy:8080', CLAUDE_API_KEY: 'sk-ant-secret', UNSET: undefined },
      { backendPort: 8081, configDir: '/ws/tasks/t/claude-config', apiKey: 'sk-ant-secret' },
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      ANTHROPIC_BASE_URL: 'http://proxy:8080',
      BACKEND_URL: 'http://localhost:8081',
      CLAUDE_CONFIG_DIR: '/ws/tasks/t/claude-config',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      ANTHROPIC_API_KEY: 'sk-ant-secret',
    });
  });

  it('given no key configured, then an ANTHROPIC_API_KEY of the runner env passes through untouched', () => {
    expect(agentEnv({ ANTHROPIC_API_KEY: 'sk-ant-own' }, { backendPort: 1, configDir: '/c', apiKey: null }).ANTHROPIC_API_KEY).toBe('sk-ant-own');
  });

  it('collects the credentials to redact: the configured key and any the environment holds', () => {
    expect(agentSecrets({ ANTHROPIC_AUTH_TOKEN: 'tok-1', PATH: '/bin', ANTHROPIC_API_KEY: '' }, 'sk-ant-1')).toEqual(['sk-ant-1', 'tok-1']);
  });
});
