import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ObservedContainer } from '../domain/reconcile.plan';
import { PoolDriver, type SlotDescription } from './pool-driver';

const SLOT_DIR = /^slot-(\d+)$/;

/**
 * No container: a slot is a port and a directory (`<slotsDir>/slot-<n>`), "running" while
 * the directory exists. Reset empties it.
 */
export class LocalPoolDriver extends PoolDriver {
  readonly kind = 'local' as const;

  constructor(private readonly slotsDir: string) {
    super();
  }

  async observe(): Promise<ObservedContainer[]> {
    await mkdir(this.slotsDir, { recursive: true });
    const entries = await readdir(this.slotsDir, { withFileTypes: true });
    return entries.flatMap((entry) => {
      const match = entry.isDirectory() ? SLOT_DIR.exec(entry.name) : null;
      if (!match) return [];
      const slot = Number(match[1]);
      return [{ containerId: localId(slot), slot, condition: 'running' as const, exitCode: null }];
    });
  }

  async create(slot: number, port: number): Promise<SlotDescription> {
    await mkdir(this.dirOf(slot), { recursive: true });
    return { slot, port, containerId: localId(slot) };
  }

  async reset(slot: number, port: number): Promise<SlotDescription> {
    await rm(this.dirOf(slot), { recursive: true, force: true });
    return this.create(slot, port);
  }

  async remove(containerId: string): Promise<void> {
    const slot = /^local-(\d+)$/.exec(containerId);
    if (slot) await rm(this.dirOf(Number(slot[1])), { recursive: true, force: true });
  }

  private dirOf(slot: number): string {
    return path.join(this.slotsDir, `slot-${slot}`);
  }
}

function localId(slot: number): string {
  return `local-${slot}`;
}
