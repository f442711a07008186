import { Injectable } from '@nestjs/common';
import { lchown, readdir, open } from 'node:fs/promises';
import path from 'node:path';
import { parseLdd, type LeasedContainer } from '../domain/container';
import { ProcessRepository } from './process.repository';

const DOCKER_TIMEOUT_MS = 30_000;

/**
 * The runner's side effects for running the agent in a container: the docker CLI (on the
 * runner's PATH, reaching the engine by DOCKER_HOST like the pool-manager), `ldd`, file
 * ownership. No dockerode here: the agent's container is a `docker run -i` the
 * ProcessRepository starts like any agent, its stdio piped.
 */
@Injectable()
export class ContainerRepository {
  constructor(private readonly processes: ProcessRepository) {}

  /** The engine's version, or the docker client's words why not. */
  async engineVersion(docker: string): Promise<{ version: string } | { error: string }> {
    const result = await this.processes.exec(docker, ['version', '--format', '{{.Server.Version}}'], { cwd: '/', timeoutMs: DOCKER_TIMEOUT_MS, env: clientEnv() });
    if (result.exitCode === 0) return { version: result.stdout.trim() };
    return { error: result.stderr.trim() || `exit ${result.exitCode ?? 'unknown'}` };
  }

  /** The leased container, or null when the engine does not know it. */
  async inspect(docker: string, id: string): Promise<LeasedContainer | null> {
    const result = await this.processes.exec(docker, ['container', 'inspect', '--', id], { cwd: '/', timeoutMs: DOCKER_TIMEOUT_MS, env: clientEnv() });
    if (result.exitCode !== 0) {
      if (/no such (object|container)/i.test(result.stderr)) return null;
      throw new Error(`docker container inspect ${id} failed: ${result.stderr.trim()}`);
    }
    const [info] = JSON.parse(result.stdout) as Array<{
      Id: string;
      Config: { Image: string };
      State: { Running: boolean };
      HostConfig: { Memory?: number; NanoCpus?: number; PidsLimit?: number | null };
    }>;
    if (info === undefined) return null;
    return {
      id: info.Id,
      image: info.Config.Image,
      running: info.State.Running,
      memoryBytes: info.HostConfig.Memory ?? 0,
      nanoCpus: info.HostConfig.NanoCpus ?? 0,
      pidsLimit: info.HostConfig.PidsLimit ?? 0,
    };
  }

  /** The agents' containers started by runners on `host` (their labels), running or not. */
  async agentContainers(docker: string, host: string): Promise<Array<{ id: string; runnerPid: number | null; runnerStart: string }>> {
    const format = '{{.ID}}\t{{.Label "orch.runner-pid"}}\t{{.Label "orch.runner-start"}}';
    const result = await this.processes.exec(docker, ['ps', '--all', '--no-trunc', '--filter', `label=orch.runner-host=${host}`, '--filter', 'label=orch.agent-of', '--format', format], {
      cwd: '/',
      timeoutMs: DOCKER_TIMEOUT_MS,
      env: clientEnv(),
    });
    if (result.exitCode !== 0) throw new Error(`docker ps failed: ${result.stderr.trim()}`);
    return result.stdout
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .map((line) => {
        const [id = '', pid = '', start = ''] = line.split('\t');
        return { id, runnerPid: /^\d+$/.test(pid) ? Number(pid) : null, runnerStart: start };
      });
  }

  /** Removes a container, running or not; one already gone counts as removed. */
  async remove(docker: string, name: string): Promise<void> {
    const result = await this.processes.exec(docker, ['rm', '--force', '--', name], { cwd: '/', timeoutMs: DOCKER_TIMEOUT_MS, env: clientEnv() });
    if (result.exitCode !== 0 && !/no such container/i.test(result.stderr)) throw new Error(`docker rm ${name} failed: ${result.stderr.trim()}`);
  }

  /** The shared libraries a program links (empty for a static one or a script). */
  async libraries(file: string): Promise<string[]> {
    const result = await this.processes.exec('ldd', [file], { cwd: '/', timeoutMs: DOCKER_TIMEOUT_MS, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    return result.exitCode === 0 ? parseLdd(result.stdout) : [];
  }

  /** The first bytes of a file (a shebang line), or '' when it cannot be read. */
  async head(file: string): Promise<string> {
    const handle = await open(file, 'r').catch(() => null);
    if (handle === null) return '';
    try {
      const buffer = Buffer.alloc(256);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead).toString('latin1');
    } finally {
      await handle.close();
    }
  }

  /** Gives `dir` and everything in it to uid:gid (links themselves, never followed). */
  async chownTree(dir: string, uid: number, gid: number): Promise<void> {
    await lchown(dir, uid, gid);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const child = path.join(dir, entry.name);
      if (entry.isDirectory()) await this.chownTree(child, uid, gid);
      else await lchown(child, uid, gid);
    }
  }
}

/** The docker client's own environment: how it reaches the engine, nothing else of the runner's. */
export function clientEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const name of ['DOCKER_HOST', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CONFIG', 'DOCKER_CONTEXT', 'HOME']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
