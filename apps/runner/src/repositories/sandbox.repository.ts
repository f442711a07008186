import { Injectable } from '@nestjs/common';
import { chmod, lstat, mkdtemp, readlink, realpath, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SANDBOX_SYSTEM_DIRS, upstreamPath } from '../domain/sandbox';

/** What one of the runner's unix sockets leads to: the model API (an HTTP proxy to it) or a TCP port on the host. */
export type ForwardTarget = { kind: 'http'; upstream: URL } | { kind: 'tcp'; host: string; port: number };

/** The runner's side of a sandbox's forwards: one unix socket per target in a directory of its own. */
export interface OpenForwards {
  socketsDir: string;
  socketPaths: string[];
  /** stops listening, ends every open connection, removes the sockets */
  close(): Promise<void>;
}

/**
 * The side effects of sandboxing the agent: what the host's file system holds (system
 * directories, the real place of the CLI and node) and the unix-socket forwarders that
 * are the sandbox's only way out — each to exactly one destination.
 */
@Injectable()
export class SandboxRepository {
  /** The system directories that exist here, each as a directory or as the symlink it is (merged /usr). */
  async systemEntries(): Promise<Array<{ path: string; symlinkTo: string | null }>> {
    const entries: Array<{ path: string; symlinkTo: string | null }> = [];
    for (const dir of SANDBOX_SYSTEM_DIRS) {
      const stat = await lstat(dir).catch(() => null);
      if (stat === null) continue;
      entries.push({ path: dir, symlinkTo: stat.isSymbolicLink() ? await readlink(dir) : null });
    }
    return entries;
  }

  /** The file a path really is (links followed), or null when there is none. */
  realPath(file: string): Promise<string | null> {
    return realpath(file).catch(() => null);
  }

  /** The file a program name runs: a path as it is, a bare name looked up on the runner's PATH; links followed; null when there is none. */
  async resolveProgram(file: string): Promise<string | null> {
    if (file.includes('/')) return this.realPath(file);
    for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter((entry) => entry.length > 0)) {
      const found = await this.realPath(path.join(dir, file));
      if (found !== null) return found;
    }
    return null;
  }

  /**
   * `otherUsers`: the sockets may be connected to by any uid (the agent's container runs as
   * another user than the runner); they lead only where they lead, and carry no credential.
   */
  async openForwards(targets: readonly ForwardTarget[], options: { otherUsers: boolean } = { otherUsers: false }): Promise<OpenForwards> {
    // short: a unix socket's path has at most 107 bytes
    const socketsDir = await mkdtemp(path.join(tmpdir(), 'orch-sbx-'));
    if (options.otherUsers) await chmod(socketsDir, 0o755);
    const connections = new Set<net.Socket>();
    const servers: net.Server[] = [];
    const socketPaths: string[] = [];
    for (const [index, target] of targets.entries()) {
      const server = target.kind === 'http' ? httpProxy(target.upstream) : tcpForward(target.host, target.port);
      server.on('connection', (socket: net.Socket) => {
        connections.add(socket);
        socket.once('close', () => connections.delete(socket));
      });
      const socketPath = path.join(socketsDir, `${index}.sock`);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => resolve());
      });
      if (options.otherUsers) await chmod(socketPath, 0o666);
      servers.push(server);
      socketPaths.push(socketPath);
    }
    return {
      socketsDir,
      socketPaths,
      close: async () => {
        for (const socket of connections) socket.destroy();
        await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
        await rm(socketsDir, { recursive: true, force: true });
      },
    };
  }
}

/** Pipes each connection to host:port, and nowhere else. */
function tcpForward(host: string, port: number): net.Server {
  return net.createServer((socket) => {
    const upstream = net.connect(port, host);
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on('error', end);
    upstream.on('error', end);
  });
}

/**
 * An HTTP proxy to the model API only: every request goes to `upstream` (its host, its path
 * prefix, TLS when it is https) whatever the agent asked for, streamed both ways.
 */
function httpProxy(upstream: URL): http.Server {
  const client = upstream.protocol === 'https:' ? https : http;
  return http.createServer((request, response) => {
    const outgoing = client.request(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port || undefined,
        method: request.method,
        path: upstreamPath(upstream, request.url ?? '/'),
        headers: { ...request.headers, host: upstream.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    outgoing.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`the runner could not reach the model API: ${error.message}\n`);
    });
    request.pipe(outgoing);
  });
}
