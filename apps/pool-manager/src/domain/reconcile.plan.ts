import type { PoolState } from './pool.state';

/** running includes a health check still starting; stopped is any container not running. */
export type ContainerCondition = 'running' | 'unhealthy' | 'stopped';

/** A container (or local slot directory) carrying this pool's labels, as the driver sees it now. */
export interface ObservedContainer {
  containerId: string;
  /** the slot label, null when missing or unreadable */
  slot: number | null;
  condition: ContainerCondition;
  /** for a stopped container, its exit code when known */
  exitCode: number | null;
}

export type SlotAction =
  /** the log's container is alive but its lease expired: reset it before it is leased again */
  | { kind: 'reset'; slot: number; containerId: string }
  /** the log's container is lost: revoke the lease on it, mark the slot down, start a new one */
  | { kind: 'replace'; slot: number; reason: string }
  /** the log knows no container for this slot: start one */
  | { kind: 'create'; slot: number };

export interface ReconcilePlan {
  /** slots the log knows beyond the pool's size: they leave the pool */
  retire: number[];
  actions: SlotAction[];
  /** containers with our labels that the log does not account for (strays and lost ones): removed */
  remove: string[];
}

export interface DesiredPool {
  size: number;
  /** the port of slot 0; slot n is on `portStart + n` */
  portStart: number;
}

/**
 * Compares the pool the log describes with the containers that exist, and says what to
 * do so that each slot below `size` has exactly one live container the log accounts
 * for, and no other container of ours is left behind.
 */
export function planReconcile(state: PoolState, observed: ObservedContainer[], desired: DesiredPool): ReconcilePlan {
  const byId = new Map(observed.map((container) => [container.containerId, container]));
  const kept = new Set<string>();
  const actions: SlotAction[] = [];
  for (let slot = 0; slot < desired.size; slot += 1) {
    const known = state.slots[slot];
    if (!known) {
      actions.push({ kind: 'create', slot });
      continue;
    }
    const container = byId.get(known.containerId);
    const lost = lossOf(known.containerId, container, known.port, desired.portStart + slot, known.status === 'down');
    if (lost) {
      actions.push({ kind: 'replace', slot, reason: `slot ${slot}: ${lost}` });
      continue;
    }
    kept.add(known.containerId);
    if (known.status === 'resetting') actions.push({ kind: 'reset', slot, containerId: known.containerId });
  }
  const retire = Object.values(state.slots)
    .filter((slot) => slot.slot >= desired.size)
    .map((slot) => slot.slot)
    .sort((a, b) => a - b);
  const remove = observed.filter((container) => !kept.has(container.containerId)).map((container) => container.containerId);
  return { retire, actions, remove };
}

function lossOf(containerId: string, container: ObservedContainer | undefined, port: number, desiredPort: number, down: boolean): string | null {
  const name = shortId(containerId);
  if (!container) return `container ${name} is gone`;
  if (container.condition === 'stopped') return `container ${name} exited${container.exitCode === null ? '' : ` (code ${container.exitCode})`}`;
  if (container.condition === 'unhealthy') return `container ${name} failed its health check`;
  if (port !== desiredPort) return `its port moves from ${port} to ${desiredPort}`;
  if (down) return `container ${name} was being replaced`;
  return null;
}

/** A Docker id as `docker ps` shows it. */
export function shortId(containerId: string): string {
  return containerId.length === 64 ? containerId.slice(0, 12) : containerId;
}
