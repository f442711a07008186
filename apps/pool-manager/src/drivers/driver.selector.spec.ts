import { loadPoolManagerConfig } from '../pool-manager.config';
import { DockerRepository } from '../repositories/docker.repository';
import { selectPoolDriver } from './driver.selector';

/** An engine that does not answer. */
class NoEngine extends DockerRepository {
  override version(): Promise<string> {
    return Promise.reject(new Error('connect ENOENT /var/run/docker.sock'));
  }
}

/** An engine that answers, with or without the image. */
class Engine extends DockerRepository {
  constructor(private readonly hasImage: boolean) {
    super();
  }
  override version(): Promise<string> {
    return Promise.resolve('1.41');
  }
  override imageExists(): Promise<boolean> {
    return Promise.resolve(this.hasImage);
  }
  override pullImage(image: string): Promise<void> {
    return Promise.reject(new Error(`pull access denied for ${image}`));
  }
}

const config = (driver: string) => loadPoolManagerConfig({ POOL_DRIVER: driver, WORKSPACES_DIR: '/tmp/orch-selector-spec' });

describe('choosing the pool driver', () => {
  it('given POOL_DRIVER=auto and no engine, then the local driver', async () => {
    expect((await selectPoolDriver(config('auto'), new NoEngine())).kind).toBe('local');
  });

  it('given POOL_DRIVER=auto and an engine with the image, then the Docker driver', async () => {
    expect((await selectPoolDriver(config('auto'), new Engine(true))).kind).toBe('docker');
  });

  it('given POOL_DRIVER=auto and an engine without the image, then the local driver (no pull at boot)', async () => {
    expect((await selectPoolDriver(config('auto'), new Engine(false))).kind).toBe('local');
  });

  it('given POOL_DRIVER=docker and no engine, then the boot fails saying so', async () => {
    await expect(selectPoolDriver(config('docker'), new NoEngine())).rejects.toThrow(/POOL_DRIVER=docker but no Docker engine answers/);
  });

  it('given POOL_DRIVER=docker and an image that cannot be pulled, then the boot fails naming CONTAINER_IMAGE', async () => {
    await expect(selectPoolDriver(config('docker'), new Engine(false))).rejects.toThrow(/CONTAINER_IMAGE vibe-kanban:latest is not on the engine and cannot be pulled/);
  });

  it('given POOL_DRIVER=local, then the local driver without asking Docker', async () => {
    expect((await selectPoolDriver(config('local'), new NoEngine())).kind).toBe('local');
  });
});
