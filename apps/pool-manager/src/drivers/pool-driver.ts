import type { ObservedContainer } from '../domain/reconcile.plan';

/** One slot as a driver brought it up. */
export interface SlotDescription {
  slot: number;
  port: number;
  /** Docker container id, or `local-<slot>` */
  containerId: string;
}

/** What the pool-manager needs of whatever runs the slots: containers or plain ports. */
export abstract class PoolDriver {
  abstract readonly kind: 'docker' | 'local';
  /** Every container of this pool that exists now, running or not. */
  abstract observe(): Promise<ObservedContainer[]>;
  /** Starts a slot's container and resolves once it runs (and is healthy, if it has a health check). */
  abstract create(slot: number, port: number): Promise<SlotDescription>;
  /** Makes a slot's container as good as new after a lease expired on it. */
  abstract reset(slot: number, port: number, containerId: string): Promise<SlotDescription>;
  /** Removes a container; one already gone counts as removed. */
  abstract remove(containerId: string): Promise<void>;
}
