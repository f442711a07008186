import { Injectable } from '@nestjs/common';
import Docker from 'dockerode';
import type { ContainerDetails, ContainerSpec } from './docker.types';

/**
 * The Docker Engine, through dockerode: the only place that imports it. It reaches the
 * engine the way the docker CLI does (`DOCKER_HOST`, else the local socket).
 */
@Injectable()
export class DockerRepository {
  private readonly docker = new Docker();

  /** Where the engine is expected, for log lines. */
  get endpoint(): string {
    return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  }

  /** The engine's API version, or an error when it does not answer within `timeoutMs`. */
  async version(timeoutMs: number): Promise<string> {
    const signal = AbortSignal.timeout(timeoutMs);
    const version = await Promise.race([
      this.docker.version(),
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(`no answer within ${timeoutMs} ms`)))),
    ]);
    return version.ApiVersion;
  }

  async imageExists(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw error;
    }
  }

  /** Pulls `image` from its registry, resolving when the pull is complete. */
  async pullImage(image: string): Promise<void> {
    const stream = await this.docker.pull(image);
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve()));
    });
  }

  /** Ids of every container (running or not) carrying all of `labels`. */
  async listIds(labels: Record<string, string>): Promise<string[]> {
    const containers = await this.docker.listContainers({
      all: true,
      filters: { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) },
    });
    return containers.map((container) => container.Id);
  }

  /** The container, or null when it no longer exists. */
  async inspect(id: string): Promise<ContainerDetails | null> {
    try {
      const info = await this.docker.getContainer(id).inspect();
      const health = info.State.Health?.Status;
      return {
        id: info.Id,
        labels: info.Config.Labels ?? {},
        running: info.State.Running,
        status: info.State.Status,
        exitCode: info.State.Running ? null : info.State.ExitCode,
        health: health === 'starting' || health === 'healthy' || health === 'unhealthy' ? health : null,
      };
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  /** Creates the container and starts it; returns its id. */
  async createAndStart(spec: ContainerSpec): Promise<string> {
    const port = spec.publish ? `${spec.publish.containerPort}/tcp` : null;
    const container = await this.docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
      Labels: spec.labels,
      ...(port ? { ExposedPorts: { [port]: {} } } : {}),
      ...(spec.healthcheck
        ? {
            Healthcheck: {
              Test: ['CMD-SHELL', spec.healthcheck.shellCommand],
              Interval: spec.healthcheck.intervalS * 1e9,
              Timeout: spec.healthcheck.timeoutS * 1e9,
              Retries: spec.healthcheck.retries,
            },
          }
        : {}),
      HostConfig: {
        NetworkMode: spec.networkMode,
        ...(port && spec.publish ? { PortBindings: { [port]: [{ HostIp: spec.publish.hostIp, HostPort: String(spec.publish.hostPort) }] } } : {}),
        CapDrop: spec.capDrop,
        CapAdd: spec.capAdd,
        SecurityOpt: spec.securityOpt,
        Memory: spec.memoryBytes,
        MemorySwap: spec.memoryBytes,
        NanoCpus: spec.nanoCpus,
        PidsLimit: spec.pidsLimit,
        Init: spec.init,
        RestartPolicy: { Name: 'no' },
      },
    });
    try {
      await container.start();
    } catch (error) {
      await this.remove(container.id);
      throw error;
    }
    return container.id;
  }

  /** Restarts the container, giving its process `stopTimeoutS` to stop. */
  async restart(id: string, stopTimeoutS: number): Promise<void> {
    await this.docker.getContainer(id).restart({ t: stopTimeoutS });
  }

  /** Removes the container (stopping it first). Already gone (404) or already being removed (409) counts as done. */
  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 409) return;
      throw error;
    }
  }
}

function statusOf(error: unknown): number | null {
  if (typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number') return error.statusCode;
  return null;
}
