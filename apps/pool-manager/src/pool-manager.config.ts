import path from 'node:path';
import { z } from 'zod';
import { failConfig, intVar, messagingEnvShape, messagingOptionsFrom, optionalStringVar, parseEnv, stringVar } from '@app/config';
import type { MessagingOptions } from '@app/messaging';

/** A positive decimal variable with a default (`0.5`, `2`). */
const decimalVar = (fallback: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
    .transform(Number)
    .pipe(z.number().positive().max(max))
    .optional()
    .transform((value) => value ?? fallback);

/** `NET_BIND_SERVICE,CHOWN` → ['NET_BIND_SERVICE', 'CHOWN']; a `CAP_` prefix is dropped. */
const capabilitiesVar = () =>
  stringVar('')
    .transform((value) =>
      value
        .split(',')
        .map((cap) => cap.trim().toUpperCase().replace(/^CAP_/, ''))
        .filter((cap) => cap.length > 0),
    )
    .pipe(z.array(z.string().regex(/^[A-Z_]+$/, 'must be capability names separated by commas (e.g. NET_BIND_SERVICE,CHOWN)')));

/** seconds between health checks of the slots, unless POOL_HEALTH_INTERVAL_S says otherwise */
const DEFAULT_HEALTH_INTERVAL_S = 5;

const dockerSchema = z.object({
  CONTAINER_NETWORK_MODE: stringVar('bridge').pipe(z.enum(['bridge', 'host', 'none'])),
  CONTAINER_INTERNAL_PORT: intVar(3000, 1, 65_535),
  CONTAINER_PORT_ENV: stringVar('PORT').pipe(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')),
  CONTAINER_CAP_ADD: capabilitiesVar(),
  CONTAINER_MEMORY_MB: intVar(2048, 6),
  CONTAINER_CPUS: decimalVar(1, 1024),
  CONTAINER_PIDS_LIMIT: intVar(512, 1),
  CONTAINER_RESET: stringVar('restart').pipe(z.enum(['restart', 'recreate'])),
  CONTAINER_HEALTHCHECK: optionalStringVar(),
  CONTAINER_START_TIMEOUT_S: intVar(60, 1),
});

const schema = z.object({
  ...messagingEnvShape,
  ...dockerSchema.shape,
  POOL_ID: stringVar('default').pipe(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be one subject token (letters, digits, _ or -)')),
  POOL_DRIVER: stringVar('auto').pipe(z.enum(['local', 'docker', 'auto'])),
  POOL_HEALTH_INTERVAL_S: intVar(DEFAULT_HEALTH_INTERVAL_S, 1),
  CONTAINER_POOL_SIZE: intVar(3, 1, 1_000),
  CONTAINER_PORT_START: intVar(8081, 1, 65_535),
  CONTAINER_PORT_END: intVar(8083, 1, 65_535),
  CONTAINER_IMAGE: stringVar('vibe-kanban:latest'),
  WORKSPACES_DIR: stringVar(path.resolve('.data/workspaces')),
  POOL_LEASE_TTL_S: intVar(120, 5),
});

/** How the Docker driver runs each slot's container. */
export interface DockerSettings {
  /** host: the container shares the host's network and is told its port; bridge: the image's port is published on the slot's port; none: no network */
  networkMode: 'bridge' | 'host' | 'none';
  /** the port the image listens on in bridge mode */
  internalPort: number;
  /** the environment variable that tells the container its port */
  portEnv: string;
  /** capabilities kept (all others are dropped) */
  capAdd: string[];
  memoryMb: number;
  cpus: number;
  pidsLimit: number;
  /** how a container is reset after its lease expired */
  reset: 'restart' | 'recreate';
  /** a shell command run in the container as its health check; null keeps the image's own */
  healthcheck: string | null;
  /** seconds a new or reset container may take to run (and be healthy) */
  startTimeoutS: number;
}

export interface PoolManagerConfig {
  messaging: MessagingOptions;
  poolId: string;
  driver: 'local' | 'docker' | 'auto';
  size: number;
  portStart: number;
  portEnd: number;
  image: string;
  /** where the local driver keeps one directory per slot */
  slotsDir: string;
  /** seconds: the longest a lease is granted or renewed for */
  leaseTtlS: number;
  /** milliseconds between health checks of the slots */
  healthIntervalMs: number;
  docker: DockerSettings;
}

/** What an embedding (a test, the e2e system) must say; the rest has the environment's defaults. */
export type PoolManagerOptions = Omit<PoolManagerConfig, 'healthIntervalMs' | 'docker'> & {
  healthIntervalMs?: number;
  docker?: Partial<DockerSettings>;
};

export const POOL_MANAGER_CONFIG = Symbol('PoolManagerConfig');

export function loadPoolManagerConfig(env: NodeJS.ProcessEnv): PoolManagerConfig {
  const parsed = parseEnv(schema, env, 'pool-manager');
  if (parsed.CONTAINER_PORT_END < parsed.CONTAINER_PORT_START) {
    failConfig(`pool-manager: CONTAINER_PORT_END (${parsed.CONTAINER_PORT_END}) is below CONTAINER_PORT_START (${parsed.CONTAINER_PORT_START})`);
  }
  const ports = parsed.CONTAINER_PORT_END - parsed.CONTAINER_PORT_START + 1;
  if (parsed.CONTAINER_POOL_SIZE > ports) {
    failConfig(
      `pool-manager: CONTAINER_POOL_SIZE (${parsed.CONTAINER_POOL_SIZE}) is larger than the port range CONTAINER_PORT_START..CONTAINER_PORT_END (${parsed.CONTAINER_PORT_START}..${parsed.CONTAINER_PORT_END}, ${ports} ports)`,
    );
  }
  return {
    messaging: messagingOptionsFrom(parsed, 'pool-manager'),
    poolId: parsed.POOL_ID,
    driver: parsed.POOL_DRIVER,
    size: parsed.CONTAINER_POOL_SIZE,
    portStart: parsed.CONTAINER_PORT_START,
    portEnd: parsed.CONTAINER_PORT_END,
    image: parsed.CONTAINER_IMAGE,
    slotsDir: path.join(parsed.WORKSPACES_DIR, 'slots', parsed.POOL_ID),
    leaseTtlS: parsed.POOL_LEASE_TTL_S,
    healthIntervalMs: parsed.POOL_HEALTH_INTERVAL_S * 1000,
    docker: dockerSettingsFrom(parsed),
  };
}

/** Fills what `options` leaves out with the defaults of the environment variables. */
export function withPoolDefaults(options: PoolManagerOptions): PoolManagerConfig {
  const defaults = dockerSettingsFrom(parseEnv(dockerSchema, {}, 'pool-manager'));
  return {
    ...options,
    healthIntervalMs: options.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_S * 1000,
    docker: { ...defaults, ...options.docker },
  };
}

function dockerSettingsFrom(parsed: z.infer<typeof dockerSchema>): DockerSettings {
  return {
    networkMode: parsed.CONTAINER_NETWORK_MODE,
    internalPort: parsed.CONTAINER_INTERNAL_PORT,
    portEnv: parsed.CONTAINER_PORT_ENV,
    capAdd: parsed.CONTAINER_CAP_ADD,
    memoryMb: parsed.CONTAINER_MEMORY_MB,
    cpus: parsed.CONTAINER_CPUS,
    pidsLimit: parsed.CONTAINER_PIDS_LIMIT,
    reset: parsed.CONTAINER_RESET,
    healthcheck: parsed.CONTAINER_HEALTHCHECK,
    startTimeoutS: parsed.CONTAINER_START_TIMEOUT_S,
  };
}
