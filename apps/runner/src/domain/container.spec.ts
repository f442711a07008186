import { CONTAINER_PATHS, containerEnv, containerRunArgs, identityFiles, isContainerLease, isNodeScript, parseLdd, type ContainerPlan } from './container';
import { LOOPBACK_FORWARDER } from './sandbox';

describe("the agent's container (RUNNER_EXECUTION=container)", () => {
  const plan: ContainerPlan = {
    name: 'orch-agent-0-abc',
    leased: { id: 'c0ffee', image: 'orch-pool-test:latest', running: true, memoryBytes: 64 * 1024 * 1024, nanoCpus: 500_000_000, pidsLimit: 64 },
    user: '1000:1000',
    workspaceDir: '/ws/tasks/t/work',
    configDir: '/ws/tasks/t/claude-config',
    socketsDir: '/tmp/orch-sbx-1',
    files: [
      { source: '/tmp/id/passwd', target: '/etc/passwd' },
      { source: '/usr/bin/node', target: '/usr/bin/node' },
      { source: '/usr/lib/x86_64-linux-gnu/libc.so.6', target: '/lib/x86_64-linux-gnu/libc.so.6' },
    ],
    readOnly: ['/opt/claude/bin', '/srv/repos/app/.git'],
    nodePath: '/usr/bin/node',
    forwards: [
      { port: 39_100, socketPath: '/run/orch/0.sock' },
      { port: 8081, socketPath: '/run/orch/1.sock' },
    ],
    envNames: ['ANTHROPIC_API_KEY', 'BACKEND_URL'],
    labels: { 'orch.agent-of': 'c0ffee' },
  };
  const args = containerRunArgs(plan, '/opt/claude/bin/claude', ['-p', '--verbose']);
  const values = (flag: string) => args.flatMap((arg, index) => (arg === flag ? [args[index + 1]] : []));

  it('given a plan, then the container has no network, no capability, no new privileges, a non-root user, a read-only root, an init, and the leased container\'s limits', () => {
    expect(args.slice(0, 3)).toEqual(['run', '-i', '--rm']);
    expect(values('--network')).toEqual(['none']);
    expect(values('--user')).toEqual(['1000:1000']);
    expect(values('--cap-drop')).toEqual(['ALL']);
    expect(values('--security-opt')).toEqual(['no-new-privileges:true']);
    expect(args).toEqual(expect.arrayContaining(['--init', '--read-only']));
    expect(values('--memory')).toEqual([String(64 * 1024 * 1024)]);
    expect(values('--memory-swap')).toEqual([String(64 * 1024 * 1024)]);
    expect(values('--cpus')).toEqual(['0.5']);
    expect(values('--pids-limit')).toEqual(['64']);
    expect(args.join(' ')).not.toMatch(/docker\.sock|--privileged|--cap-add|--network host/);
  });

  it('given a plan, then only the worktree (at /workspace) and the config dir are writable; the identity, node, its libraries, the CLI, the git data and the sockets are read-only', () => {
    expect(values('--mount')).toEqual([
      'type=bind,"source=/ws/tasks/t/work","target=/workspace"',
      'type=bind,"source=/ws/tasks/t/claude-config","target=/claude-config"',
      'type=bind,"source=/tmp/orch-sbx-1","target=/run/orch",readonly',
      'type=bind,"source=/tmp/id/passwd","target=/etc/passwd",readonly',
      'type=bind,"source=/usr/bin/node","target=/usr/bin/node",readonly',
      'type=bind,"source=/usr/lib/x86_64-linux-gnu/libc.so.6","target=/lib/x86_64-linux-gnu/libc.so.6",readonly',
      'type=bind,"source=/opt/claude/bin","target=/opt/claude/bin",readonly',
      'type=bind,"source=/srv/repos/app/.git","target=/srv/repos/app/.git",readonly',
    ]);
    expect(values('--workdir')).toEqual([CONTAINER_PATHS.workspace]);
  });

  it('given a path with a comma or a quote, then the mount keeps it whole', () => {
    const odd = containerRunArgs({ ...plan, workspaceDir: '/ws/a,b"c' }, '/cli', []);
    expect(odd).toContain('type=bind,"source=/ws/a,b""c","target=/workspace"');
  });

  it('given the environment, then only names are on the command line (the values, the key among them, travel in the client\'s environment)', () => {
    expect(values('--env')).toEqual(['ANTHROPIC_API_KEY', 'BACKEND_URL']);
    expect(args.join(' ')).not.toMatch(/ANTHROPIC_API_KEY=|BACKEND_URL=/);
    expect(values('--label')).toEqual(['orch.agent-of=c0ffee']);
  });

  it('given a plan, then node runs the loopback forwarder in the leased image first, and it execs the agent', () => {
    const image = args.indexOf('orch-pool-test:latest');
    expect(args[image - 2]).toBe('--entrypoint');
    expect(args[image - 1]).toBe('/usr/bin/node');
    expect(args.slice(image + 1)).toEqual(['-e', LOOPBACK_FORWARDER, JSON.stringify(plan.forwards), '/opt/claude/bin/claude', '-p', '--verbose']);
  });

  it('given no limits on the leased container, then none are invented', () => {
    const open = containerRunArgs({ ...plan, leased: { ...plan.leased, memoryBytes: 0, nanoCpus: 0, pidsLimit: -1 } }, '/cli', []);
    expect(open).not.toEqual(expect.arrayContaining(['--memory']));
    expect(open).not.toEqual(expect.arrayContaining(['--cpus']));
    expect(open).not.toEqual(expect.arrayContaining(['--pids-limit']));
  });

  it('given the sandbox environment, then HOME and CLAUDE_CONFIG_DIR are the config dir and PATH starts at node\'s directory', () => {
    expect(containerEnv({ ANTHROPIC_API_KEY: 'k', HOME: '/root', PATH: '/host/bin' }, '/usr/bin')).toEqual({
      ANTHROPIC_API_KEY: 'k',
      HOME: '/claude-config',
      CLAUDE_CONFIG_DIR: '/claude-config',
      PATH: '/usr/bin:/usr/local/bin:/usr/bin:/bin',
      TMPDIR: '/tmp',
    });
  });

  it('given a uid, then the identity files name the agent with it', () => {
    expect(identityFiles(1000, 1000).passwd).toContain('agent:x:1000:1000:agent:/claude-config:/bin/sh');
    expect(identityFiles(1000, 1000).group).toContain('agent:x:1000:');
  });

  it('given ldd output, then the libraries and the dynamic linker are read; a static program has none', () => {
    const output = [
      '\tlinux-vdso.so.1 (0x00007fa50ebfe000)',
      '\tlibdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007fa50ebe7000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007fa50e61e000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007fa50ec00000)',
    ].join('\n');
    expect(parseLdd(output)).toEqual(['/lib/x86_64-linux-gnu/libdl.so.2', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
    expect(parseLdd('\tnot a dynamic executable\n')).toEqual([]);
  });

  it('given a lease, then a local slot is told from a Docker container', () => {
    expect(isContainerLease({ containerId: 'local-2' })).toBe(false);
    expect(isContainerLease({ containerId: '3f2a9c0d1e' })).toBe(true);
  });

  it('given a file\'s first bytes, then a node script is recognised', () => {
    expect(isNodeScript('#!/usr/bin/env node\n// a fake')).toBe(true);
    expect(isNodeScript('#!/bin/sh\nexec node')).toBe(false);
    expect(isNodeScript('\u007fELF\u0002')).toBe(false);
  });
});
