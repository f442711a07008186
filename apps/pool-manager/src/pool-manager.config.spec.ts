import { loadPoolManagerConfig, withPoolDefaults } from './pool-manager.config';

describe('pool-manager configuration', () => {
  it('given no variables, then the seed’s pool: 3 slots on 8081..8083, driver chosen automatically, hardened defaults', () => {
    const config = loadPoolManagerConfig({});
    expect(config).toEqual(
      expect.objectContaining({ size: 3, portStart: 8081, portEnd: 8083, image: 'vibe-kanban:latest', driver: 'auto', poolId: 'default', healthIntervalMs: 5_000 }),
    );
    expect(config.docker).toEqual({
      networkMode: 'bridge',
      internalPort: 3000,
      portEnv: 'PORT',
      capAdd: [],
      memoryMb: 2048,
      cpus: 1,
      pidsLimit: 512,
      reset: 'restart',
      healthcheck: null,
      startTimeoutS: 60,
    });
  });

  it('given a pool larger than its port range, then the boot fails naming both variables', () => {
    expect(() => loadPoolManagerConfig({ CONTAINER_POOL_SIZE: '4', CONTAINER_PORT_START: '8081', CONTAINER_PORT_END: '8083' })).toThrow(
      /CONTAINER_POOL_SIZE \(4\) is larger than the port range CONTAINER_PORT_START\.\.CONTAINER_PORT_END \(8081\.\.8083, 3 ports\)/,
    );
  });

  it('given a bad driver, network mode or CPU value, then the boot fails naming the variable', () => {
    expect(() => loadPoolManagerConfig({ POOL_DRIVER: 'kubernetes' })).toThrow(/POOL_DRIVER/);
    expect(() => loadPoolManagerConfig({ CONTAINER_NETWORK_MODE: 'overlay' })).toThrow(/CONTAINER_NETWORK_MODE/);
    expect(() => loadPoolManagerConfig({ CONTAINER_CPUS: '-1' })).toThrow(/CONTAINER_CPUS/);
    expect(() => loadPoolManagerConfig({ CONTAINER_CAP_ADD: 'NET_BIND_SERVICE,rm -rf' })).toThrow(/CONTAINER_CAP_ADD/);
  });

  it('given capabilities and limits, then they are read as the Docker driver needs them', () => {
    const { docker } = loadPoolManagerConfig({
      CONTAINER_CAP_ADD: 'cap_net_bind_service, CHOWN',
      CONTAINER_MEMORY_MB: '256',
      CONTAINER_CPUS: '0.5',
      CONTAINER_PIDS_LIMIT: '64',
      CONTAINER_NETWORK_MODE: 'host',
      CONTAINER_RESET: 'recreate',
      CONTAINER_HEALTHCHECK: 'wget -q -O /dev/null http://127.0.0.1:$PORT/',
    });
    expect(docker).toEqual(
      expect.objectContaining({
        capAdd: ['NET_BIND_SERVICE', 'CHOWN'],
        memoryMb: 256,
        cpus: 0.5,
        pidsLimit: 64,
        networkMode: 'host',
        reset: 'recreate',
        healthcheck: 'wget -q -O /dev/null http://127.0.0.1:$PORT/',
      }),
    );
  });

  it('given an embedding that leaves the Docker settings out, then they take the variables’ defaults', () => {
    const base = loadPoolManagerConfig({});
    const { docker: _docker, healthIntervalMs: _interval, ...options } = base;
    expect(withPoolDefaults({ ...options, docker: { networkMode: 'none' } })).toEqual({ ...base, docker: { ...base.docker, networkMode: 'none' } });
  });
});
