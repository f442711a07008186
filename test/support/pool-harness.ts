import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import type { Envelope, EventType, MessageData, OrchEvent } from '@app/contracts';
import { MessagePublisher, type MessagingOptions, type NatsClient } from '@app/messaging';
import { startPoolManager } from '../../apps/pool-manager/src/pool-manager.app';
import type { DockerSettings, PoolManagerOptions } from '../../apps/pool-manager/src/pool-manager.config';
import { freePortBlock, removeContainersLabelled, TEST_CONTAINER_IMAGE } from '../../libs/testing/src/docker';
import { readEventLog } from '../../libs/testing/src/event-log';
import { asApp } from '../../libs/testing/src/nats-accounts';
import { messagingEnv } from '../../libs/testing/src/processes';
import { connectTestClient, dropTestStreams, eventually, testMessagingOptions } from '../../libs/testing/src/nats';
import { poolFactory } from '../../libs/testing/src/pool-factory';

export interface PoolHarnessOptions {
  driver: 'docker' | 'local';
  size?: number;
  /** seconds: the longest lease the pool grants */
  leaseTtlS?: number;
  healthIntervalMs?: number;
  docker?: Partial<DockerSettings>;
  /** the NATS server (default: NATS_URL or the local one), e.g. a private one a test stops */
  natsUrl?: string;
}

type Grant = MessageData<'LeaseGranted'>;

/**
 * One pool-manager under test: its own streams, pool id (the label its containers carry),
 * ports and slot directory; lease commands sent as the orchestrator would, and the pool's
 * subject read back. `dispose()` removes everything it made, containers included.
 */
export class PoolHarness {
  private readonly apps: INestMicroservice[] = [];
  private readonly publisher: MessagePublisher;

  private constructor(
    readonly options: PoolHarnessOptions,
    readonly messaging: MessagingOptions,
    readonly client: NatsClient,
    readonly poolId: string,
    readonly portStart: number,
    readonly slotsDir: string,
  ) {
    this.publisher = new MessagePublisher(client);
  }

  static async create(options: PoolHarnessOptions): Promise<PoolHarness> {
    const messaging = testMessagingOptions('pool-test', options.natsUrl);
    const client = await connectTestClient(messaging);
    const size = options.size ?? 3;
    const portStart = await freePortBlock(size);
    const slotsDir = await mkdtemp(path.join(tmpdir(), 'orch-pool-'));
    return new PoolHarness(options, messaging, client, `t${randomBytes(4).toString('hex')}`, portStart, slotsDir);
  }

  /** The configuration a pool-manager of this harness runs with (for the app in-process, or as env for a process). */
  get config(): PoolManagerOptions {
    const size = this.options.size ?? 3;
    return {
      messaging: asApp(this.messaging, 'pool-manager', `pool-manager@test-${this.apps.length}`),
      poolId: this.poolId,
      driver: this.options.driver,
      size,
      portStart: this.portStart,
      portEnd: this.portStart + size - 1,
      image: TEST_CONTAINER_IMAGE,
      slotsDir: this.slotsDir,
      leaseTtlS: this.options.leaseTtlS ?? 120,
      healthIntervalMs: this.options.healthIntervalMs ?? 500,
      docker: { networkMode: 'host', memoryMb: 64, cpus: 0.5, pidsLimit: 64, startTimeoutS: 30, ...this.options.docker },
    };
  }

  /** The same configuration as environment variables, for a pool-manager process (`spawnApp`). */
  get env(): Record<string, string> {
    const config = this.config;
    return {
      ...messagingEnv(this.messaging, 'pool-manager'),
      POOL_ID: config.poolId,
      POOL_DRIVER: config.driver,
      POOL_LEASE_TTL_S: String(config.leaseTtlS),
      POOL_HEALTH_INTERVAL_S: String(Math.max(1, Math.round((config.healthIntervalMs ?? 1_000) / 1000))),
      CONTAINER_POOL_SIZE: String(config.size),
      CONTAINER_PORT_START: String(config.portStart),
      CONTAINER_PORT_END: String(config.portEnd),
      CONTAINER_IMAGE: config.image,
      CONTAINER_NETWORK_MODE: config.docker?.networkMode ?? 'host',
      CONTAINER_MEMORY_MB: String(config.docker?.memoryMb ?? 64),
      CONTAINER_CPUS: String(config.docker?.cpus ?? 0.5),
      CONTAINER_PIDS_LIMIT: String(config.docker?.pidsLimit ?? 64),
      WORKSPACES_DIR: this.slotsDir,
    };
  }

  /** Starts a pool-manager instance on the harness's streams (a new Nest app each time). */
  async start(): Promise<INestMicroservice> {
    const app = await startPoolManager(this.config);
    this.apps.push(app);
    return app;
  }

  /** Stops every running instance, gracefully. */
  async stopAll(): Promise<void> {
    for (const app of this.apps.splice(0)) await app.close();
  }

  async acquire(task: number, overrides: { attempt?: number; ttlS?: number } = {}): Promise<Envelope<'AcquireLease'>> {
    const command = poolFactory.acquireLease(task, overrides);
    await this.publisher.send(command);
    return command;
  }

  async release(grant: Grant): Promise<void> {
    await this.publisher.send(poolFactory.releaseLease(grant));
  }

  async renew(grant: Grant, n: number): Promise<void> {
    await this.publisher.send(poolFactory.renewLease(grant, n));
  }

  /** Every event on the pool's subject, in order. */
  async events(): Promise<OrchEvent[]> {
    return (await readEventLog(this.client, this.client.subjects.pool(this.poolId))).map((logged) => logged.event);
  }

  async eventsOf<T extends EventType>(type: T): Promise<Array<MessageData<T>>> {
    return (await this.events()).filter((event): event is Envelope<T> & OrchEvent => event.type === type).map((event) => event.data);
  }

  /** The grant of task `n`'s request, once there is one. */
  grantOf(task: number, timeoutMs = 15_000): Promise<Grant> {
    const stageId = poolFactory.stageOf(task);
    return eventually(async () => (await this.eventsOf('LeaseGranted')).find((grant) => grant.stageId === stageId), timeoutMs, `a lease for task ${task}`);
  }

  /** The latest `PoolStatusReported`, once one reflects `check`. */
  status(check: (status: MessageData<'PoolStatusReported'>) => boolean, what: string, timeoutMs = 15_000): Promise<MessageData<'PoolStatusReported'>> {
    return eventually(
      async () => {
        const reports = await readEventLog(this.client, this.client.subjects.poolStatus(this.poolId));
        const latest = reports.at(-1)?.event;
        return latest?.type === 'PoolStatusReported' && check(latest.data) ? latest.data : undefined;
      },
      timeoutMs,
      what,
    );
  }

  async dispose(): Promise<void> {
    await this.stopAll().catch(() => undefined);
    if (this.options.driver === 'docker') await removeContainersLabelled('orch.pool', this.poolId);
    await rm(this.slotsDir, { recursive: true, force: true });
    await dropTestStreams(this.client);
  }
}
