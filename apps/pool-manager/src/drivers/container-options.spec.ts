import { loadPoolManagerConfig } from '../pool-manager.config';
import { containerSpecFor } from './container-options';

const settings = loadPoolManagerConfig({ CONTAINER_CAP_ADD: 'NET_BIND_SERVICE', CONTAINER_MEMORY_MB: '128', CONTAINER_CPUS: '0.5', CONTAINER_PIDS_LIMIT: '64' }).docker;

describe('a slot’s container', () => {
  it('is labelled with app, pool, slot and port, and hardened: no new privileges, all capabilities dropped but the configured, limits, init', () => {
    const spec = containerSpecFor('img:1', settings, 'pool-a', 2, 8083, 'abc123');
    expect(spec).toEqual(
      expect.objectContaining({
        name: 'orch-pool-a-slot-2-abc123',
        image: 'img:1',
        labels: { 'orch.app': 'orchestrator-manager', 'orch.pool': 'pool-a', 'orch.slot': '2', 'orch.port': '8083' },
        capDrop: ['ALL'],
        capAdd: ['NET_BIND_SERVICE'],
        securityOpt: ['no-new-privileges:true'],
        memoryBytes: 128 * 1024 * 1024,
        nanoCpus: 500_000_000,
        pidsLimit: 64,
        init: true,
        healthcheck: null,
      }),
    );
  });

  it('in bridge mode, publishes the image’s port on the slot’s port, on loopback', () => {
    const spec = containerSpecFor('img:1', { ...settings, networkMode: 'bridge', internalPort: 3000 }, 'p', 0, 8081, 'x');
    expect(spec.publish).toEqual({ containerPort: 3000, hostPort: 8081, hostIp: '127.0.0.1' });
    expect(spec.env).toEqual({ PORT: '3000' });
  });

  it('in host mode, tells the container its slot’s port by environment and publishes nothing', () => {
    const spec = containerSpecFor('img:1', { ...settings, networkMode: 'host', portEnv: 'APP_PORT' }, 'p', 1, 8082, 'x');
    expect(spec.publish).toBeNull();
    expect(spec.env).toEqual({ APP_PORT: '8082' });
    expect(spec.networkMode).toBe('host');
  });
});
