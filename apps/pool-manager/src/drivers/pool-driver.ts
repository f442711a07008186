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
  /** Makes sure every slot exists and runs; returns them. */
  abstract ensureSlots(): Promise<SlotDescription[]>;
}
