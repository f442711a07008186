import type { LeaseRef } from '@app/contracts';
import { LOOPBACK_FORWARDER, type LoopbackForward } from './sandbox';

/** Where things are inside the agent's container: fixed, so a task's sessions resume whatever slot it ran on. */
export const CONTAINER_PATHS = {
  /** the task's worktree (or scratch directory) */
  workspace: '/workspace',
  /** the task's CLAUDE_CONFIG_DIR, also the agent's HOME */
  configDir: '/claude-config',
  /** the runner's unix sockets (read-only: a socket connects on a read-only mount) */
  sockets: '/run/orch',
} as const;

/** The agent's uid and gid in its container when the runner itself runs as root: never root inside. */
export const CONTAINER_AGENT_ID = 1000;

/** What the runner reads of the leased container: the agent's container takes its image and its limits. */
export interface LeasedContainer {
  id: string;
  image: string;
  running: boolean;
  /** bytes; 0 = no limit */
  memoryBytes: number;
  /** CPUs × 1e9; 0 = no limit */
  nanoCpus: number;
  /** 0 or negative = no limit */
  pidsLimit: number;
}

/** Everything a `docker run` of the agent needs. */
export interface ContainerPlan {
  name: string;
  leased: LeasedContainer;
  /** `uid:gid` the agent runs as (never 0) */
  user: string;
  /** host directories */
  workspaceDir: string;
  configDir: string;
  socketsDir: string;
  /** host files bound read-only at the given path inside: the identity files (`/etc/passwd`, `/etc/group`), node and the libraries it links */
  files: ReadonlyArray<{ source: string; target: string }>;
  /** host directories bound read-only at their own path: the CLI's, the repository's git data */
  readOnly: readonly string[];
  /** the node binary that runs the forwarder (its path inside) */
  nodePath: string;
  /** forwards as the forwarder sees them: socket paths inside the container */
  forwards: readonly LoopbackForward[];
  /** names of the variables handed in (their values travel in the docker client's environment, never on its command line) */
  envNames: readonly string[];
  labels: Readonly<Record<string, string>>;
}

/**
 * `docker run …` of the agent: a container of its own per run, of the leased container's
 * image, with its memory, CPU and pids limits; network `none` (loopback only: the forwarder
 * pipes the model API and the slot's port to the runner's sockets), every capability dropped,
 * no new privileges, a non-root user, a read-only root with a private /tmp, an init that
 * forwards signals; no Docker socket. Writable: the worktree at /workspace and the config dir.
 * `-i` keeps stdin (the prompt) open; the docker client forwards SIGTERM to it.
 */
export function containerRunArgs(plan: ContainerPlan, agentFile: string, agentArgs: readonly string[]): string[] {
  const args = ['run', '-i', '--rm', '--name', plan.name, '--network', 'none', '--user', plan.user];
  args.push('--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true', '--init', '--read-only', '--tmpfs', '/tmp:rw,exec,nosuid,nodev,size=512m');
  if (plan.leased.memoryBytes > 0) args.push('--memory', String(plan.leased.memoryBytes), '--memory-swap', String(plan.leased.memoryBytes));
  if (plan.leased.nanoCpus > 0) args.push('--cpus', String(plan.leased.nanoCpus / 1e9));
  if (plan.leased.pidsLimit > 0) args.push('--pids-limit', String(plan.leased.pidsLimit));
  for (const [key, value] of Object.entries(plan.labels)) args.push('--label', `${key}=${value}`);
  args.push('--mount', bind(plan.workspaceDir, CONTAINER_PATHS.workspace, false));
  args.push('--mount', bind(plan.configDir, CONTAINER_PATHS.configDir, false));
  args.push('--mount', bind(plan.socketsDir, CONTAINER_PATHS.sockets, true));
  for (const file of plan.files) args.push('--mount', bind(file.source, file.target, true));
  for (const dir of plan.readOnly) args.push('--mount', bind(dir, dir, true));
  for (const name of plan.envNames) args.push('--env', name);
  args.push('--workdir', CONTAINER_PATHS.workspace, '--entrypoint', plan.nodePath, plan.leased.image);
  args.push('-e', LOOPBACK_FORWARDER, JSON.stringify(plan.forwards), agentFile, ...agentArgs);
  return args;
}

function bind(source: string, target: string, readOnly: boolean): string {
  // --mount, not -v: a comma or colon in a path cannot split it, and a missing source is an error rather than a new directory
  const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
  return `type=bind,${quote(`source=${source}`)},${quote(`target=${target}`)}${readOnly ? ',readonly' : ''}`;
}

/**
 * The agent's environment in its container: the sandbox's (forwards on loopback, no
 * proxies) with the fixed paths: HOME and CLAUDE_CONFIG_DIR (and Codex's CODEX_HOME, when
 * set) the config dir, PATH node's directory and the image's own.
 */
export function containerEnv(inside: Readonly<Record<string, string>>, nodeDir: string): Record<string, string> {
  const codexHome: Record<string, string> = inside.CODEX_HOME === undefined ? {} : { CODEX_HOME: CONTAINER_PATHS.configDir };
  return { ...inside, ...codexHome, HOME: CONTAINER_PATHS.configDir, CLAUDE_CONFIG_DIR: CONTAINER_PATHS.configDir, PATH: `${nodeDir}:/usr/local/bin:/usr/bin:/bin`, TMPDIR: '/tmp' };
}

/** `/etc/passwd` and `/etc/group` for the agent's user, so programs that look it up (node's os.userInfo) find it. */
export function identityFiles(uid: number, gid: number): { passwd: string; group: string } {
  return {
    passwd: `root:x:0:0:root:/root:/bin/sh\nagent:x:${uid}:${gid}:agent:${CONTAINER_PATHS.configDir}:/bin/sh\n`,
    group: `root:x:0:\nagent:x:${gid}:\n`,
  };
}

/**
 * The shared libraries `ldd` lists for a program (each a path the dynamic linker opens,
 * the linker itself included); empty for a static program or a script.
 */
export function parseLdd(output: string): string[] {
  const libraries: string[] = [];
  for (const line of output.split('\n')) {
    const match = /=>\s+(\/\S+)\s+\(/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (match?.[1] !== undefined && !libraries.includes(match[1])) libraries.push(match[1]);
  }
  return libraries;
}

/** A lease of a Docker container (the local driver's slots are `local-<slot>`). */
export function isContainerLease(lease: Pick<LeaseRef, 'containerId'>): boolean {
  return !/^local-\d+$/.test(lease.containerId);
}

/** A script that node runs (`#!/usr/bin/env node`…): started as `node <script>`, since an image need not have /usr/bin/env. */
export function isNodeScript(head: string): boolean {
  const first = head.split('\n', 1)[0] ?? '';
  return first.startsWith('#!') && /\bnode\b/.test(first);
}
