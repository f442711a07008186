import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PoolDriver, type SlotDescription } from './pool-driver';

/** No container: a slot is a port and a directory (the default where no Docker engine answers). */
export class LocalPoolDriver extends PoolDriver {
  readonly kind = 'local' as const;

  constructor(
    private readonly size: number,
    private readonly portStart: number,
    private readonly slotsDir: string,
  ) {
    super();
  }

  async ensureSlots(): Promise<SlotDescription[]> {
    const slots: SlotDescription[] = [];
    for (let slot = 0; slot < this.size; slot += 1) {
      await mkdir(path.join(this.slotsDir, `slot-${slot}`), { recursive: true });
      slots.push({ slot, port: this.portStart + slot, containerId: `local-${slot}` });
    }
    return slots;
  }
}
