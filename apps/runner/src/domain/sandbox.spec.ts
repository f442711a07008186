import { LOOPBACK_FORWARDER, sandboxApiPort, sandboxArgs, sandboxEnv, sandboxProbeArgs, upstreamApi, upstreamPath, type SandboxPlan } from './sandbox';

const CLAUDE_API = { variable: 'ANTHROPIC_BASE_URL', defaultUrl: 'https://api.anthropic.com' };

describe('the agent sandbox (bubblewrap)', () => {
  const plan: SandboxPlan = {
    nodePath: '/usr/bin/node',
    cwd: '/ws/tasks/t/work',
    configDir: '/ws/tasks/t/claude-config',
    readOnly: ['/opt/claude/bin', '/srv/repos/app/.git'],
    systemEntries: [
      { path: '/usr', symlinkTo: null },
      { path: '/bin', symlinkTo: 'usr/bin' },
    ],
    socketsDir: '/tmp/orch-sbx-1',
    forwards: [
      { port: 39_100, socketPath: '/tmp/orch-sbx-1/0.sock' },
      { port: 8081, socketPath: '/tmp/orch-sbx-1/1.sock' },
    ],
  };
  const args = sandboxArgs(plan, '/opt/claude/bin/claude', ['-p', '--', 'the prompt']);
  const pairs = (flag: string) => args.flatMap((arg, index) => (arg === flag ? [[args[index + 1], args[index + 2]]] : []));

  it('given a plan, then every namespace is unshared, no capability is kept, the uid is not root and it dies with its parent', () => {
    expect(args.slice(0, 9)).toEqual(['--unshare-all', '--unshare-user', '--uid', '1000', '--gid', '1000', '--cap-drop', 'ALL', '--die-with-parent']);
    expect(args).not.toContain('--share-net');
    expect(args).not.toContain('--new-session'); // stays in the runner's process group, for the group kill
  });

  it('given a plan, then only the worktree and the config dir are writable; the system, the CLI, the git data and the sockets are read-only and / is remounted read-only', () => {
    expect(pairs('--bind')).toEqual([
      ['/ws/tasks/t/work', '/ws/tasks/t/work'],
      ['/ws/tasks/t/claude-config', '/ws/tasks/t/claude-config'],
    ]);
    expect(pairs('--ro-bind')).toEqual([
      ['/usr', '/usr'],
      ['/opt/claude/bin', '/opt/claude/bin'],
      ['/srv/repos/app/.git', '/srv/repos/app/.git'],
      ['/tmp/orch-sbx-1', '/tmp/orch-sbx-1'],
    ]);
    expect(pairs('--symlink')).toEqual([['usr/bin', '/bin']]);
    expect(pairs('--tmpfs').map(([dir]) => dir)).toEqual(['/tmp']);
    expect(args.indexOf('--remount-ro')).toBeGreaterThan(args.lastIndexOf('--bind'));
    expect(args.join(' ')).not.toMatch(/--(ro-)?bind(-try)? \/ \//); // never the whole host
    expect(pairs('--ro-bind-try').map(([file]) => file)).toEqual(expect.arrayContaining(['/etc/passwd', '/etc/hosts', '/etc/ssl']));
    expect(pairs('--ro-bind-try').map(([file]) => file)).not.toContain('/etc/shadow');
  });

  it('given a plan, then the forwarder runs first with the forwards, then the agent with its own arguments', () => {
    const command = args.slice(args.indexOf('--') + 1);
    expect(command).toEqual(['/usr/bin/node', '-e', LOOPBACK_FORWARDER, JSON.stringify(plan.forwards), '/opt/claude/bin/claude', '-p', '--', 'the prompt']);
    expect(args[args.indexOf('--chdir') + 1]).toBe('/ws/tasks/t/work');
  });

  it('given the agent env, then inside it points the model API and BACKEND_URL at the loopback forwards, HOME at its config dir, and drops proxies', () => {
    const env = sandboxEnv(
      { PATH: '/usr/bin', HTTPS_PROXY: 'http://proxy:3128', no_proxy: 'x', ANTHROPIC_BASE_URL: 'https://api.example', BACKEND_URL: 'http://localhost:8081', ANTHROPIC_API_KEY: 'k' },
      { api: 39_100, backend: 8081 },
      '/ws/tasks/t/claude-config',
      CLAUDE_API,
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:39100',
      BACKEND_URL: 'http://localhost:8081',
      HOME: '/ws/tasks/t/claude-config',
      TMPDIR: '/tmp',
    });
  });

  it('given the boot probe, then it makes the same confinement with node running nothing', () => {
    const probe = sandboxProbeArgs(plan.systemEntries, '/opt/node/bin/node', ['/opt/node']);
    expect(probe.slice(0, 9)).toEqual(args.slice(0, 9));
    expect(probe).toContain('/opt/node');
    expect(probe.slice(probe.indexOf('--') + 1)).toEqual(['/opt/node/bin/node', '-e', '']);
  });

  it('picks an API port that is not the slot\'s', () => {
    expect(sandboxApiPort(8081)).toBe(39_100);
    expect(sandboxApiPort(39_100)).toBe(39_101);
  });

  it('given ANTHROPIC_BASE_URL (or none), then the runner forwards to it, keeping its path prefix; a non-http URL is refused', () => {
    expect(upstreamApi(CLAUDE_API, {}).toString()).toBe('https://api.anthropic.com/');
    expect(upstreamPath(upstreamApi(CLAUDE_API, { ANTHROPIC_BASE_URL: 'http://proxy:8080/anthropic/' }), '/v1/messages?beta=true')).toBe('/anthropic/v1/messages?beta=true');
    expect(upstreamPath(upstreamApi(CLAUDE_API, { ANTHROPIC_BASE_URL: 'https://api.anthropic.com' }), '/v1/messages')).toBe('/v1/messages');
    expect(() => upstreamApi(CLAUDE_API, { ANTHROPIC_BASE_URL: 'file:///etc/passwd' })).toThrow('ANTHROPIC_BASE_URL must be http(s), not file:');
  });
});
