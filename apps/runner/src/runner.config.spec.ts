import { loadRunnerConfig } from './runner.config';

describe('runner configuration', () => {
  it('given no runner variables, then the defaults hold: no repository allowed, worktrees removed, heartbeats every 10 s', () => {
    const config = loadRunnerConfig({});
    expect(config).toMatchObject({
      permissionMode: 'acceptEdits',
      allowedTools: [],
      workspaceAllowedRoots: [],
      workspaceKeep: false,
      heartbeatMs: 10_000,
      killGraceMs: 5_000,
      apiKey: null,
    });
  });

  it('given the workspace and CLI variables, then they are read', () => {
    const config = loadRunnerConfig({
      WORKSPACE_ALLOWED_ROOTS: '/srv/repos, /home/dev/src',
      WORKSPACE_KEEP: 'true',
      RUNNER_HEARTBEAT_MS: '2500',
      CLAUDE_ALLOWED_TOOLS: 'Read,Edit,Bash(git diff:*)',
      CLAUDE_PERMISSION_MODE: 'dontAsk',
      CLAUDE_MODEL: 'sonnet',
      CLAUDE_MAX_TURNS: '40',
    });
    expect(config).toMatchObject({
      workspaceAllowedRoots: ['/srv/repos', '/home/dev/src'],
      workspaceKeep: true,
      heartbeatMs: 2_500,
      allowedTools: ['Read', 'Edit', 'Bash(git diff:*)'],
      permissionMode: 'dontAsk',
      model: 'sonnet',
      maxTurns: 40,
    });
  });

  it('given AGENT_ENV_PASSTHROUGH, then its names are read; a system variable in it stops the boot naming the variable and the name', () => {
    expect(loadRunnerConfig({ AGENT_ENV_PASSTHROUGH: 'NPM_CONFIG_REGISTRY, GOPROXY' }).agentEnvPassthrough).toEqual(['NPM_CONFIG_REGISTRY', 'GOPROXY']);
    expect(loadRunnerConfig({}).agentEnvPassthrough).toEqual([]);
    expect(() => loadRunnerConfig({ AGENT_ENV_PASSTHROUGH: 'GOPROXY,NATS_URL' })).toThrow(/AGENT_ENV_PASSTHROUGH.*NATS_URL is one of the system's own variables/s);
    expect(() => loadRunnerConfig({ AGENT_ENV_PASSTHROUGH: 'DATABASE_URL' })).toThrow(/DATABASE_URL is one of the system's own variables/);
  });

  it('given STAGE_EXECUTORS, then each named stage gets its executor and model; a bad item stops the boot naming the variable and the item; OPENAI_API_KEY is never echoed', () => {
    expect(loadRunnerConfig({ STAGE_EXECUTORS: 'qa=codex:gpt-5, specification=claude-code' }).stageExecutors).toEqual({ qa: { executor: 'codex', model: 'gpt-5' }, specification: { executor: 'claude-code', model: null } });
    expect(loadRunnerConfig({}).stageExecutors).toEqual({});
    expect(loadRunnerConfig({ OPENAI_API_KEY: 'sk-proj-x', CODEX_MODEL: 'o4' }).codex).toMatchObject({ apiKey: 'sk-proj-x', model: 'o4' });
    expect(() => loadRunnerConfig({ STAGE_EXECUTORS: 'qa=gemini' })).toThrow(/STAGE_EXECUTORS: "qa=gemini" is not stage=executor\[:model\]/);
    expect(() => loadRunnerConfig({ STAGE_EXECUTORS: 'review=codex' })).toThrow(/STAGE_EXECUTORS: "review=codex"/);
  });

  it('given RUNNER_EXECUTION, then host, sandbox or container is taken for every lease (an explicit container runs no local slot\'s agent); a bwrap or docker that is not there stops the boot', () => {
    expect(loadRunnerConfig({ RUNNER_EXECUTION: 'host' })).toMatchObject({ execution: 'host', localExecution: 'host' });
    expect(loadRunnerConfig({ RUNNER_EXECUTION: 'sandbox', RUNNER_BWRAP_PATH: '/usr/bin/bwrap' })).toMatchObject({ execution: 'sandbox', localExecution: 'sandbox', bwrapPath: '/usr/bin/bwrap' });
    expect(loadRunnerConfig({ RUNNER_EXECUTION: 'container', RUNNER_DOCKER_PATH: '/usr/local/bin/docker' })).toMatchObject({ execution: 'container', localExecution: null, dockerPath: '/usr/local/bin/docker' });
    expect(() => loadRunnerConfig({ RUNNER_EXECUTION: 'container', PATH: '/nowhere' })).toThrow(/RUNNER_EXECUTION: container needs the docker client/);
    expect(() => loadRunnerConfig({ RUNNER_DOCKER_PATH: '/nowhere/docker' })).toThrow(/RUNNER_DOCKER_PATH: \/nowhere\/docker does not exist/);
    expect(() => loadRunnerConfig({ RUNNER_EXECUTION: 'chroot' })).toThrow(/RUNNER_EXECUTION/);
    expect(() => loadRunnerConfig({ RUNNER_EXECUTION: 'sandbox', PATH: '/nowhere' })).toThrow(/RUNNER_EXECUTION: sandbox needs bubblewrap/);
    expect(() => loadRunnerConfig({ RUNNER_BWRAP_PATH: '/nowhere/bwrap' })).toThrow(/RUNNER_BWRAP_PATH: \/nowhere\/bwrap does not exist/);
  });

  it('given no RUNNER_EXECUTION, then a Docker lease\'s agent runs in a container where docker is on PATH, and a local slot\'s is sandboxed where bwrap is on PATH, else on the host', () => {
    expect(loadRunnerConfig({ PATH: '/usr/local/bin:/usr/bin' })).toMatchObject({ execution: 'container', localExecution: 'sandbox', bwrapPath: '/usr/bin/bwrap', dockerPath: '/usr/local/bin/docker' });
    expect(loadRunnerConfig({ PATH: '/nowhere' })).toMatchObject({ execution: 'host', localExecution: 'host' });
  });

  it('given a relative RUNNER_SANDBOX_READ_PATHS entry, then the boot stops naming it', () => {
    expect(loadRunnerConfig({ RUNNER_SANDBOX_READ_PATHS: '/opt/go, /opt/rust' }).sandboxReadPaths).toEqual(['/opt/go', '/opt/rust']);
    expect(() => loadRunnerConfig({ RUNNER_SANDBOX_READ_PATHS: 'opt' })).toThrow(/RUNNER_SANDBOX_READ_PATHS: every path must be absolute/);
  });

  it('given a relative allowed root, then the boot stops naming the variable', () => {
    expect(() => loadRunnerConfig({ WORKSPACE_ALLOWED_ROOTS: 'repos' })).toThrow(/WORKSPACE_ALLOWED_ROOTS/);
  });

  it('given a permission mode the CLI does not know, then the boot stops naming the variable', () => {
    expect(() => loadRunnerConfig({ CLAUDE_PERMISSION_MODE: 'yolo' })).toThrow(/CLAUDE_PERMISSION_MODE/);
  });

  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot('given bypassPermissions while running as root, then the boot stops: the CLI would refuse every run', () => {
    expect(() => loadRunnerConfig({ CLAUDE_PERMISSION_MODE: 'bypassPermissions' })).toThrow(/CLAUDE_PERMISSION_MODE: bypassPermissions is refused by the Claude CLI when run as root/);
  });

  it('never echoes the API key in a configuration error', () => {
    expect(() => loadRunnerConfig({ CLAUDE_API_KEY: 'sk-ant-secret', RUNNER_HEARTBEAT_MS: 'soon' })).toThrow(/RUNNER_HEARTBEAT_MS/);
    expect(() => loadRunnerConfig({ CLAUDE_API_KEY: 'sk-ant-secret', RUNNER_HEARTBEAT_MS: 'soon' })).not.toThrow(/sk-ant-secret/);
  });
});
