import { Logger } from '@nestjs/common';
import { failConfig } from '@app/config';
import type { PoolManagerConfig } from '../pool-manager.config';
import type { DockerRepository } from '../repositories/docker.repository';
import { DockerPoolDriver } from './docker.driver';
import { LocalPoolDriver } from './local.driver';
import type { PoolDriver } from './pool-driver';

const PING_TIMEOUT_MS = 3_000;

/**
 * The driver `POOL_DRIVER` asks for. `auto` takes Docker when an engine answers and
 * `CONTAINER_IMAGE` is there, else the local driver; the log says which, and why.
 * `docker` without an engine, or without an image it can pull, stops the boot.
 */
export async function selectPoolDriver(config: PoolManagerConfig, docker: DockerRepository): Promise<PoolDriver> {
  const logger = new Logger('PoolManager');
  const local = () => new LocalPoolDriver(config.slotsDir);
  const dockerDriver = () => new DockerPoolDriver(docker, config);
  if (config.driver === 'local') {
    logger.log(`Using the local driver (POOL_DRIVER=local): each slot is a port and a directory under ${config.slotsDir}`);
    return local();
  }
  let apiVersion: string;
  try {
    apiVersion = await docker.version(PING_TIMEOUT_MS);
  } catch (error) {
    const why = `no Docker engine answers at ${docker.endpoint} (${(error as Error).message})`;
    if (config.driver === 'docker') return failConfig(`pool-manager: POOL_DRIVER=docker but ${why}`);
    logger.log(`Using the local driver (POOL_DRIVER=auto): ${why}`);
    return local();
  }
  const engine = `the Docker engine at ${docker.endpoint} answers (API ${apiVersion})`;
  if (await docker.imageExists(config.image)) {
    logger.log(`Using the Docker driver (POOL_DRIVER=${config.driver}): ${engine} and has CONTAINER_IMAGE ${config.image}`);
    return dockerDriver();
  }
  if (config.driver === 'auto') {
    logger.log(`Using the local driver (POOL_DRIVER=auto): ${engine} but has no image ${config.image} (CONTAINER_IMAGE); build or pull it, or set POOL_DRIVER=docker to pull at boot`);
    return local();
  }
  logger.log(`Pulling CONTAINER_IMAGE ${config.image}`);
  try {
    await docker.pullImage(config.image);
  } catch (error) {
    return failConfig(`pool-manager: POOL_DRIVER=docker but CONTAINER_IMAGE ${config.image} is not on the engine and cannot be pulled (${(error as Error).message})`);
  }
  logger.log(`Using the Docker driver (POOL_DRIVER=docker): ${engine}; pulled ${config.image}`);
  return dockerDriver();
}
