/** A container to create, in the pool-manager's terms (the repository maps it to the Engine API). */
export interface ContainerSpec {
  name: string;
  image: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  networkMode: 'bridge' | 'host' | 'none';
  /** bridge mode: the image's port published on the host */
  publish: { containerPort: number; hostPort: number; hostIp: string } | null;
  capDrop: string[];
  capAdd: string[];
  securityOpt: string[];
  memoryBytes: number;
  nanoCpus: number;
  pidsLimit: number;
  init: boolean;
  /** null keeps the image's own health check */
  healthcheck: { shellCommand: string; intervalS: number; timeoutS: number; retries: number } | null;
}

export type ContainerHealth = 'starting' | 'healthy' | 'unhealthy' | null;

/** What the pool-manager reads back of a container. */
export interface ContainerDetails {
  id: string;
  labels: Record<string, string>;
  running: boolean;
  /** created, running, restarting, exited, dead, … */
  status: string;
  exitCode: number | null;
  /** null when the container has no health check */
  health: ContainerHealth;
}
