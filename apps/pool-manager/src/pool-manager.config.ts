import path from 'node:path';
import { z } from 'zod';
import { failConfig, intVar, messagingEnvShape, messagingOptionsFrom, parseEnv, stringVar } from '@app/config';
import type { MessagingOptions } from '@app/messaging';

const schema = z.object({
  ...messagingEnvShape,
  POOL_ID: stringVar('default').pipe(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be one subject token (letters, digits, _ or -)')),
  POOL_DRIVER: stringVar('local').pipe(z.enum(['local', 'docker', 'auto'])),
  CONTAINER_POOL_SIZE: intVar(3, 1, 1_000),
  CONTAINER_PORT_START: intVar(8081, 1, 65_535),
  CONTAINER_PORT_END: intVar(8083, 1, 65_535),
  CONTAINER_IMAGE: stringVar('vibe-kanban:latest'),
  WORKSPACES_DIR: stringVar(path.resolve('.data/workspaces')),
  POOL_LEASE_TTL_S: intVar(120, 5),
});

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
  /** seconds a renewed lease lives */
  leaseTtlS: number;
}

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
  };
}
