import type { DockerSettings } from '../pool-manager.config';
import type { ContainerSpec } from '../repositories/docker.types';

/** Labels on every container of a pool; reconciliation finds its containers by them. */
export const POOL_LABELS = {
  app: 'orch.app',
  pool: 'orch.pool',
  slot: 'orch.slot',
  port: 'orch.port',
} as const;

export const APP_LABEL = 'orchestrator-manager';

/** The labels that select one pool's containers. */
export function poolSelector(poolId: string): Record<string, string> {
  return { [POOL_LABELS.app]: APP_LABEL, [POOL_LABELS.pool]: poolId };
}

/**
 * A slot's container: labelled (app, pool, slot, port), reachable on the slot's port
 * (published in bridge mode, told by environment in host mode), hardened: no new
 * privileges, every capability dropped but the configured ones, pids/memory/CPU limits,
 * an init process that reaps zombies and forwards signals.
 */
export function containerSpecFor(image: string, settings: DockerSettings, poolId: string, slot: number, port: number, nameSuffix: string): ContainerSpec {
  const bridged = settings.networkMode === 'bridge';
  return {
    name: `orch-${poolId}-slot-${slot}-${nameSuffix}`,
    image,
    env: { [settings.portEnv]: String(bridged ? settings.internalPort : port) },
    labels: { ...poolSelector(poolId), [POOL_LABELS.slot]: String(slot), [POOL_LABELS.port]: String(port) },
    networkMode: settings.networkMode,
    // loopback only: the runner that leases the slot reaches it as http://localhost:<port>
    publish: bridged ? { containerPort: settings.internalPort, hostPort: port, hostIp: '127.0.0.1' } : null,
    capDrop: ['ALL'],
    capAdd: settings.capAdd,
    securityOpt: ['no-new-privileges:true'],
    memoryBytes: settings.memoryMb * 1024 * 1024,
    nanoCpus: Math.round(settings.cpus * 1e9),
    pidsLimit: settings.pidsLimit,
    init: true,
    healthcheck: settings.healthcheck === null ? null : { shellCommand: settings.healthcheck, intervalS: 5, timeoutS: 3, retries: 3 },
  };
}
