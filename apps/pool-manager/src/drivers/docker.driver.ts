import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { shortId, type ObservedContainer } from '../domain/reconcile.plan';
import type { PoolManagerConfig } from '../pool-manager.config';
import type { DockerRepository } from '../repositories/docker.repository';
import { containerSpecFor, poolSelector, POOL_LABELS } from './container-options';
import { PoolDriver, type SlotDescription } from './pool-driver';

const STOP_TIMEOUT_S = 5;
const POLL_MS = 200;

/** Real containers of `CONTAINER_IMAGE`, one per slot, found again by their labels. */
export class DockerPoolDriver extends PoolDriver {
  readonly kind = 'docker' as const;
  private readonly logger = new Logger('PoolManager');

  constructor(
    private readonly docker: DockerRepository,
    private readonly config: Pick<PoolManagerConfig, 'poolId' | 'image' | 'docker'>,
  ) {
    super();
  }

  async observe(): Promise<ObservedContainer[]> {
    const ids = await this.docker.listIds(poolSelector(this.config.poolId));
    const details = await Promise.all(ids.map((id) => this.docker.inspect(id)));
    return details.flatMap((container) => {
      if (!container) return [];
      const slotLabel = container.labels[POOL_LABELS.slot];
      const slot = slotLabel !== undefined && /^\d+$/.test(slotLabel) ? Number(slotLabel) : null;
      const condition = !container.running ? 'stopped' : container.health === 'unhealthy' ? 'unhealthy' : 'running';
      return [{ containerId: container.id, slot, condition, exitCode: container.exitCode }];
    });
  }

  async create(slot: number, port: number): Promise<SlotDescription> {
    const spec = containerSpecFor(this.config.image, this.config.docker, this.config.poolId, slot, port, randomBytes(3).toString('hex'));
    const containerId = await this.docker.createAndStart(spec);
    try {
      await this.untilReady(containerId);
    } catch (error) {
      await this.docker.remove(containerId);
      throw error;
    }
    this.logger.log(`Started container ${shortId(containerId)} (${spec.name}) for slot ${slot} on port ${port}`);
    return { slot, port, containerId };
  }

  async reset(slot: number, port: number, containerId: string): Promise<SlotDescription> {
    if (this.config.docker.reset === 'restart') {
      try {
        await this.docker.restart(containerId, STOP_TIMEOUT_S);
        await this.untilReady(containerId);
        this.logger.log(`Restarted container ${shortId(containerId)} of slot ${slot}`);
        return { slot, port, containerId };
      } catch (error) {
        this.logger.warn(`Restarting container ${shortId(containerId)} of slot ${slot} failed (${(error as Error).message}): recreating it`);
      }
    }
    await this.docker.remove(containerId);
    return this.create(slot, port);
  }

  remove(containerId: string): Promise<void> {
    return this.docker.remove(containerId);
  }

  /** Waits until the container runs and, if it has a health check, reports healthy. */
  private async untilReady(containerId: string): Promise<void> {
    const deadline = Date.now() + this.config.docker.startTimeoutS * 1000;
    for (;;) {
      const container = await this.docker.inspect(containerId);
      if (!container) throw new Error(`container ${shortId(containerId)} vanished while starting`);
      if (!container.running && container.status !== 'created' && container.status !== 'restarting') {
        throw new Error(`container ${shortId(containerId)} exited while starting (code ${container.exitCode ?? 'unknown'})`);
      }
      if (container.running && (container.health === null || container.health === 'healthy')) return;
      if (container.health === 'unhealthy') throw new Error(`container ${shortId(containerId)} failed its health check while starting`);
      if (Date.now() > deadline) {
        throw new Error(`container ${shortId(containerId)} was not ready within CONTAINER_START_TIMEOUT_S=${this.config.docker.startTimeoutS}s`);
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
