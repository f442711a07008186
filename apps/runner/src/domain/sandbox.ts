import type { ModelApi } from './executor';

/** A port inside the sandbox's own network namespace and the runner's unix socket it is piped to. */
export interface LoopbackForward {
  port: number;
  socketPath: string;
}

/** Where the agent's sandbox may read and write, and what it reaches. */
export interface SandboxPlan {
  /** the node binary that runs the loopback forwarder inside (the runner's own) */
  nodePath: string;
  /** the agent's working directory: its worktree or scratch directory (writable) */
  cwd: string;
  /** the task's CLAUDE_CONFIG_DIR (writable; also the agent's HOME) */
  configDir: string;
  /** directories bound read-only at their own path: the CLI's, node's, the repository's git data, the operator's */
  readOnly: readonly string[];
  /** the system directories that exist on this host, each a directory or a symlink (merged /usr) */
  systemEntries: ReadonlyArray<{ path: string; symlinkTo: string | null }>;
  /** the directory holding the runner's unix sockets (bound read-only: a socket connects on a read-only mount) */
  socketsDir: string;
  forwards: readonly LoopbackForward[];
}

/** The agent's user inside its user namespace: not root, so the CLI's own root checks do not apply and nothing is owned. */
const SANDBOX_UID = '1000';

/** Of /etc, what programs need to run: users, name resolution of localhost, certificates, the dynamic linker, time zones. */
export const SANDBOX_ETC_FILES = [
  '/etc/passwd', '/etc/group', '/etc/nsswitch.conf', '/etc/hosts', '/etc/localtime', '/etc/timezone', '/etc/ssl', '/etc/ca-certificates',
  '/etc/alternatives', '/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/gitconfig', '/etc/mime.types', '/etc/os-release',
];

/** The top-level system directories bound read-only (or re-created as symlinks when /bin → usr/bin). */
export const SANDBOX_SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * `bwrap …` for the agent: every namespace unshared (user, pid, network, ipc, uts, cgroup),
 * no capabilities, a non-root uid, dies with the runner's child; a read-only system
 * (/usr and the /etc pieces, nothing of /home, /root, /work or /var), a private /tmp,
 * /proc and /dev; writable only the worktree and the config dir. Inside, the network has
 * only loopback: the forwarder (node, run first) listens on the loopback ports and pipes
 * them to the runner's unix sockets, then execs the agent. Stays in the runner's process
 * group (no --new-session: the runner started it in a session of its own without a
 * terminal), so the group kill on timeout or cancel reaches everything inside.
 */
export function sandboxArgs(plan: SandboxPlan, agentFile: string, agentArgs: readonly string[]): string[] {
  const args = confinement(plan.systemEntries);
  for (const file of SANDBOX_ETC_FILES) args.push('--ro-bind-try', file, file);
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  for (const dir of plan.readOnly) args.push('--ro-bind', dir, dir);
  args.push('--bind', plan.cwd, plan.cwd, '--bind', plan.configDir, plan.configDir);
  args.push('--ro-bind', plan.socketsDir, plan.socketsDir);
  // the root bwrap builds is a tmpfs: read-only once everything is mounted, so nothing but the binds above and /tmp takes a write
  args.push('--remount-ro', '/');
  args.push('--chdir', plan.cwd, '--', plan.nodePath, '-e', LOOPBACK_FORWARDER, JSON.stringify(plan.forwards), agentFile, ...agentArgs);
  return args;
}

/** The runner's check at boot that bubblewrap can make such a sandbox here (user namespaces allowed): node runs nothing in one. */
export function sandboxProbeArgs(systemEntries: SandboxPlan['systemEntries'], nodePath: string, readOnly: readonly string[]): string[] {
  const binds = readOnly.flatMap((dir) => ['--ro-bind', dir, dir]);
  return [...confinement(systemEntries), ...binds, '--proc', '/proc', '--dev', '/dev', '--remount-ro', '/', '--', nodePath, '-e', ''];
}

/** The namespaces, identity and read-only system every sandbox starts from. */
function confinement(systemEntries: SandboxPlan['systemEntries']): string[] {
  const args = ['--unshare-all', '--unshare-user', '--uid', SANDBOX_UID, '--gid', SANDBOX_UID, '--cap-drop', 'ALL', '--die-with-parent'];
  for (const entry of systemEntries) {
    if (entry.symlinkTo !== null) args.push('--symlink', entry.symlinkTo, entry.path);
    else args.push('--ro-bind', entry.path, entry.path);
  }
  return args;
}

/** The model API's loopback port inside the sandbox (its own network namespace, so any port is free), unless the slot's port is that. */
export function sandboxApiPort(backendPort: number): number {
  return backendPort === 39_100 ? 39_101 : 39_100;
}

const PROXY_VARIABLES = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'all_proxy'];

/**
 * The agent's environment inside the sandbox: the model API and BACKEND_URL at their loopback
 * forwards, HOME in its config dir, /tmp its private one; proxies dropped (the sandbox
 * reaches nothing but its forwards; the runner's side talks to the API).
 */
export function sandboxEnv(env: Readonly<Record<string, string>>, ports: { api: number; backend: number }, configDir: string, api: ModelApi): Record<string, string> {
  const inside: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (!PROXY_VARIABLES.includes(name)) inside[name] = value;
  inside[api.variable] = `http://127.0.0.1:${ports.api}`;
  inside.BACKEND_URL = `http://localhost:${ports.backend}`;
  inside.HOME = configDir;
  inside.TMPDIR = '/tmp';
  return inside;
}

/** The model API the runner's side of the forward talks to: its variable in the runner's environment (ANTHROPIC_BASE_URL, OPENAI_BASE_URL), else the vendor's. */
export function upstreamApi(api: ModelApi, env: Readonly<Record<string, string | undefined>>): URL {
  const url = new URL(env[api.variable] || api.defaultUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${api.variable} must be http(s), not ${url.protocol}`);
  return url;
}

/** The path of the upstream request: the base URL's own path (a proxy's prefix) followed by the agent's. */
export function upstreamPath(base: URL, requestPath: string): string {
  const prefix = base.pathname.replace(/\/+$/, '');
  return `${prefix}${requestPath.startsWith('/') ? requestPath : `/${requestPath}`}`;
}

/**
 * Run by node as the sandbox's first process (`node -e`): listens on 127.0.0.1 and ::1 at each
 * forward's port, pipes each connection to the forward's unix socket, then runs the agent
 * (argv after the forwards) with its stdio, passes SIGTERM/SIGINT on, and ends as it ended.
 * Plain CommonJS with node: builtins only, since it runs from no file.
 */
export const LOOPBACK_FORWARDER = String.raw`
const net = require('node:net');
const { spawn } = require('node:child_process');
const [forwardsJson, file, ...args] = process.argv.slice(1);
const forwards = JSON.parse(forwardsJson);
const listen = (port, host) => new Promise((resolve) => {
  const server = net.createServer((socket) => {
    const upstream = net.connect(forwards.find((f) => f.port === port).socketPath);
    socket.pipe(upstream).pipe(socket);
    const end = () => { socket.destroy(); upstream.destroy(); };
    socket.on('error', end);
    upstream.on('error', end);
  });
  server.once('error', () => resolve(null));
  server.listen(port, host, () => { server.unref(); resolve(server); });
});
(async () => {
  for (const forward of forwards) {
    if ((await listen(forward.port, '127.0.0.1')) === null) {
      process.stderr.write('sandbox: cannot listen on 127.0.0.1:' + forward.port + '\n');
      process.exit(70);
    }
    await listen(forward.port, '::1');
  }
  const child = spawn(file, args, { stdio: 'inherit' });
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.once('error', (error) => {
    process.stderr.write('sandbox: cannot start ' + file + ': ' + error.code + '\n');
    process.exit(127);
  });
  child.once('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
})();
`;
