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

  it('given a budget for the run, then the CLI gets it as --max-budget-usd', () => {
    expect(agentArgs(options, null, 0.7).slice(-2)).toEqual(['--max-budget-usd', '0.7']);
  });

  const quiet = { CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_TELEMETRY: '1', DISABLE_ERROR_REPORTING: '1', DISABLE_AUTOUPDATER: '1' };
  const task = { backendPort: 8081, configDir: '/ws/tasks/t/claude-config', apiKey: 'sk-ant-secret', passthrough: [] as string[] };

  it('given the runner env with the system\'s own variables, then the agent gets only the allow-list, BACKEND_URL, the key as ANTHROPIC_API_KEY, the task config dir and no telemetry', () => {
    const env = agentEnv(
      {
        PATH: '/usr/bin', HOME: '/home/runner', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC', HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'localhost',
        ANTHROPIC_BASE_URL: 'http://proxy:8080', UNSET: undefined,
        CLAUDE_API_KEY: 'sk-ant-secret', NATS_URL: 'nats://127.0.0.1:4222', NATS_SUBJECT_ROOT: 'orch', DATABASE_URL: 'postgres://u:p@db/x', API_TOKEN: 'tok',
        PGPASSWORD: 'pw', WORKSPACES_DIR: '/ws', RUNNER_ID: 'r1', FAKE_CLAUDE_MODE: 'hang',
      },
      task,
    );
    expect(env).toEqual({
      PATH: '/usr/bin', HOME: '/home/runner', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', TZ: 'UTC', HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'localhost',
      ANTHROPIC_BASE_URL: 'http://proxy:8080',
      BACKEND_URL: 'http://localhost:8081',
      CLAUDE_CONFIG_DIR: '/ws/tasks/t/claude-config',
      ANTHROPIC_API_KEY: 'sk-ant-secret',
      ...quiet,
    });
  });

  it('given AGENT_ENV_PASSTHROUGH names, then those pass too — but never a system variable, even when named', () => {
    const env = agentEnv(
      { FAKE_CLAUDE_MODE: 'hang', NPM_CONFIG_REGISTRY: 'http://r', NATS_URL: 'nats://x', DATABASE_URL: 'postgres://x', API_TOKENS: 'a,b', CLAUDE_API_KEY: 'sk-ant-secret' },
      { ...task, passthrough: ['FAKE_CLAUDE_MODE', 'NPM_CONFIG_REGISTRY', 'NATS_URL', 'DATABASE_URL', 'API_TOKENS', 'CLAUDE_API_KEY'] },
    );
    expect(Object.keys(env).sort()).toEqual(['ANTHROPIC_API_KEY', 'BACKEND_URL', 'CLAUDE_CONFIG_DIR', 'FAKE_CLAUDE_MODE', 'NPM_CONFIG_REGISTRY', ...Object.keys(quiet)].sort());
  });

  it('given no key configured, then an ANTHROPIC_API_KEY of the runner env passes through untouched', () => {
    expect(agentEnv({ ANTHROPIC_API_KEY: 'sk-ant-own' }, { ...task, apiKey: null }).ANTHROPIC_API_KEY).toBe('sk-ant-own');
  });

  it('collects the credentials to redact: the configured key and any the environment holds', () => {
    expect(agentSecrets({ ANTHROPIC_AUTH_TOKEN: 'tok-1', PATH: '/bin', ANTHROPIC_API_KEY: '' }, 'sk-ant-1')).toEqual(['sk-ant-1', 'tok-1']);
  });
});
