import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DaemonSet, Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { Namespace, Service } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const DEPLOY = path.join(ROOT, 'deploy');

/** What an operator puts in each host's `.env` (README, "Deployment on several hosts"). */
const NATS_PASSWORDS = { NATS_GATEWAY_PASSWORD: 'gw-pw', NATS_ORCHESTRATOR_PASSWORD: 'orch-pw', NATS_POOL_MANAGER_PASSWORD: 'pool-pw', NATS_RUNNER_PASSWORD: 'runner-pw', NATS_ADMIN_PASSWORD: 'admin-pw' };
const CONTROL_PLANE_ENV = { ...NATS_PASSWORDS, NATS_SERVER_NAME: 'nats-2', NATS_1_ADDR: '10.0.0.1', NATS_2_ADDR: '10.0.0.2', NATS_3_ADDR: '10.0.0.3', DATABASE_URL: 'postgres://postgres:pg-pw@10.0.0.1:5432/postgres', API_TOKEN: 'api-token' };
const RUNNER_HOST_ENV = { NATS_POOL_MANAGER_PASSWORD: 'pool-pw', NATS_RUNNER_PASSWORD: 'runner-pw', NATS_URL: 'nats://10.0.0.1:4222,nats://10.0.0.2:4222,nats://10.0.0.3:4222' };

/** Debian's docker-compose on one of deploy/'s compose files, with nothing but `env` set. */
function compose(file: string, env: Record<string, string>, ...args: string[]) {
  const result = spawnSync('docker-compose', ['-f', path.join(DEPLOY, file), ...args], { cwd: DEPLOY, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
  if (result.error) throw new Error(`docker-compose could not run (${result.error.message}); .ci/services.sh installs it (apt-get install docker-compose)`);
  return result;
}

function resolved(file: string, env: Record<string, string>, ...args: string[]): Record<string, any> {
  const result = compose(file, env, ...args, 'config');
  if (result.status !== 0) throw new Error(`docker-compose -f ${file} config failed:\n${result.stderr}`);
  return parse(result.stdout);
}

/** `nats-server -t`: the server parses the file, its include and its variables, and exits. */
function natsServerTest(env: Record<string, string>) {
  return spawnSync('nats-server', ['-t', '-c', path.join(DEPLOY, 'nats-cluster.conf')], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
}

/** The NATS_* variables an app's container is given, by name (values or secret keys). */
function natsPasswordsOf(environment: Record<string, string>): string[] {
  return Object.keys(environment).filter((name) => /^NATS_.*PASSWORD$/.test(name));
}

describe('deploy/: the NATS cluster node configuration', () => {
  it('given a node name and the three routes, when nats-server checks deploy/nats-cluster.conf, then it is valid (with the apps users included)', () => {
    const result = natsServerTest({ ...NATS_PASSWORDS, NATS_SERVER_NAME: 'nats-1', NATS_ROUTES: '[nats-route://nats-1:6222, nats-route://nats-2:6222, nats-route://nats-3:6222]' });

    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/configuration file .*nats-cluster\.conf is valid/);
    const conf = readFileSync(path.join(DEPLOY, 'nats-cluster.conf'), 'utf8');
    expect(conf).toMatch(/^\s*include \.\/nats\.conf$/m);
    expect(conf).toMatch(/cluster \{[^}]*routes: \$NATS_ROUTES/s);
  });

  it('given no node name, when nats-server checks it, then it refuses naming the variable', () => {
    const result = natsServerTest({ ...NATS_PASSWORDS, NATS_ROUTES: '[nats-route://nats-1:6222]' });

    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('NATS_SERVER_NAME');
  });
});

describe('deploy/control-plane.compose.yml and deploy/runner-host.compose.yml', () => {
  it('given a control-plane host, then it runs a NATS cluster node (routes to all three), the gateway and the orchestrator; Postgres and the migrations only in the profile database', () => {
    expect(compose('control-plane.compose.yml', CONTROL_PLANE_ENV, 'config', '-q').stderr).toBe('');
    const plane = resolved('control-plane.compose.yml', CONTROL_PLANE_ENV);
    // docker-compose 1.29's `config` prints every profile's services: the profiles are read from the file
    const profiles = Object.fromEntries(Object.entries(plane.services).map(([name, service]) => [name, (service as { profiles?: string[] }).profiles ?? []]));
    expect(profiles).toEqual({ nats: [], gateway: [], orchestrator: [], postgres: ['database'], migrate: ['database'] });

    const nats = plane.services.nats;
    expect(nats.environment.NATS_SERVER_NAME).toBe('nats-2');
    expect(nats.environment.NATS_ROUTES).toBe('[nats-route://nats-1:6222, nats-route://nats-2:6222, nats-route://nats-3:6222]');
    expect(nats.extra_hosts).toEqual(expect.arrayContaining(['nats-1:10.0.0.1', 'nats-2:10.0.0.2', 'nats-3:10.0.0.3']));
    expect(nats.ports.map((port: { target: number }) => port.target).sort()).toEqual([4222, 6222]);
    // the compose file's NATS environment is one nats-server accepts with this file
    expect(natsServerTest(nats.environment).status).toBe(0);

    for (const app of ['gateway', 'orchestrator']) {
      const environment = plane.services[app].environment;
      expect(environment.NATS_URL).toBe('nats://nats-1:4222,nats://nats-2:4222,nats://nats-3:4222');
      expect(environment.NATS_STREAM_REPLICAS).toBe('3');
      expect({ user: environment.NATS_USER, passwords: natsPasswordsOf(environment) }).toEqual({ user: app, passwords: ['NATS_PASSWORD'] });
      expect(plane.services[app].extra_hosts).toEqual(nats.extra_hosts);
    }
    expect(plane.services.gateway.environment.NATS_PASSWORD).toBe('gw-pw');
    expect(plane.services.orchestrator.environment.NATS_PASSWORD).toBe('orch-pw');
    expect(plane.services.orchestrator.environment.DATABASE_URL).toBe(CONTROL_PLANE_ENV.DATABASE_URL);
  });

  it('given a runner host, then it runs a pool-manager (with the Docker socket) and a runner, with only their own NATS passwords, on the three servers', () => {
    const host = resolved('runner-host.compose.yml', RUNNER_HOST_ENV);

    expect(Object.keys(host.services).sort()).toEqual(['pool-manager', 'runner']);
    expect(host.services['pool-manager'].environment).toMatchObject({ NATS_USER: 'pool-manager', NATS_PASSWORD: 'pool-pw', POOL_DRIVER: 'docker', NATS_URL: RUNNER_HOST_ENV.NATS_URL, NATS_STREAM_REPLICAS: '3' });
    expect(host.services.runner.environment).toMatchObject({ NATS_USER: 'runner', NATS_PASSWORD: 'runner-pw', NATS_URL: RUNNER_HOST_ENV.NATS_URL, NATS_STREAM_REPLICAS: '3' });
    expect(host.services.runner.network_mode).toBe('host');
    const mounts = (service: string) => (host.services[service].volumes ?? []).map((volume: string) => volume.split(':')[1]);
    expect(mounts('pool-manager')).toContain('/var/run/docker.sock');
    expect(mounts('runner')).not.toContain('/var/run/docker.sock');
    for (const service of ['pool-manager', 'runner']) {
      expect(natsPasswordsOf(host.services[service].environment)).toEqual(['NATS_PASSWORD']);
      expect(Object.keys(host.services[service].environment)).not.toContain('DATABASE_URL');
    }
  });

  it.each([
    ['control-plane.compose.yml', 'NATS_1_ADDR', 'set NATS_1_ADDR (README, Deployment on several hosts)'],
    ['control-plane.compose.yml', 'NATS_SERVER_NAME', 'set NATS_SERVER_NAME to nats-1, nats-2 or nats-3'],
    ['control-plane.compose.yml', 'API_TOKEN', 'set API_TOKEN'],
    ['runner-host.compose.yml', 'NATS_URL', 'set NATS_URL to the three NATS servers'],
    ['runner-host.compose.yml', 'NATS_RUNNER_PASSWORD', 'set NATS_RUNNER_PASSWORD (README, NATS accounts)'],
  ])('given %s without %s, when compose reads it, then it refuses naming the variable', (file, variable, message) => {
    const env: Record<string, string> = { ...(file.startsWith('control') ? CONTROL_PLANE_ENV : RUNNER_HOST_ENV) };
    delete env[variable];

    const result = compose(file, env, 'config', '-q');

    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(message);
  });
});

describe('deploy/k8s: the same topology as Kubernetes manifests', () => {
  const MODELS: Record<string, new (data: any) => { validate(): void }> = {
    'v1/Namespace': Namespace,
    'v1/Service': Service,
    'apps/v1/StatefulSet': StatefulSet,
    'apps/v1/Deployment': Deployment,
    'apps/v1/DaemonSet': DaemonSet,
    'batch/v1/Job': Job,
  };
  const K8S = path.join(DEPLOY, 'k8s');
  const kustomization = parse(readFileSync(path.join(K8S, 'kustomization.yaml'), 'utf8'));
  const documents = (kustomization.resources as string[]).flatMap((file) => parseAllDocuments(readFileSync(path.join(K8S, file), 'utf8')));
  const objects: any[] = documents.map((document) => document.toJS());
  const find = (kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);
  const containers = () => objects.flatMap((object) => object.spec?.template?.spec?.containers ?? []);

  it('then every resource the kustomization lists exists and every object is valid against the Kubernetes schemas (kubernetes-models)', () => {
    for (const file of kustomization.resources) expect(existsSync(path.join(K8S, file))).toBe(true);
    expect(documents.flatMap((document) => document.errors)).toEqual([]);
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toEqual(['DaemonSet/runner-host', 'Deployment/gateway', 'Deployment/orchestrator', 'Job/migrate', 'Namespace/orchestrator', 'Service/gateway', 'Service/nats', 'StatefulSet/nats']);
    for (const object of objects) {
      const Model = MODELS[`${object.apiVersion}/${object.kind}`];
      expect(Model).toBeDefined();
      expect(() => new Model(object).validate()).not.toThrow();
    }
  });

  it('given a manifest with a wrong type, then the validator refuses it (so the check above means something)', () => {
    const broken = structuredClone(find('Deployment', 'gateway'));
    broken.spec.replicas = 'two';

    expect(() => new Deployment(broken).validate()).toThrow(/replicas/);
  });

  it('then each workload selects its own pods, and every image is a target of the Dockerfile (or nats)', () => {
    for (const object of objects.filter((candidate) => candidate.spec?.selector?.matchLabels)) {
      expect(object.spec.template.metadata.labels).toMatchObject(object.spec.selector.matchLabels);
    }
    const targets = [...readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM \S+ AS (\S+)$/gm)].map((match) => match[1]);
    const images = containers().map((container: { image: string }) => container.image);
    expect(images.sort()).toEqual(['nats:2.10-alpine', 'orchestrator-manager/gateway', 'orchestrator-manager/migrate', 'orchestrator-manager/orchestrator', 'orchestrator-manager/pool-manager', 'orchestrator-manager/runner']);
    for (const image of images.filter((name) => name.startsWith('orchestrator-manager/'))) expect(targets).toContain(image.split('/')[1]);
  });

  it('then NATS is three nodes whose routes name the three pods, each with its pod name as server name, accepted by nats-server', () => {
    const nats = find('StatefulSet', 'nats');
    const env = Object.fromEntries(nats.spec.template.spec.containers[0].env.map((variable: { name: string; value?: string }) => [variable.name, variable.value]));
    const pods = [0, 1, 2].map((ordinal) => `${nats.metadata.name}-${ordinal}.${nats.spec.serviceName}`);

    expect(nats.spec.replicas).toBe(3);
    expect(find('Service', nats.spec.serviceName).spec.clusterIP).toBe('None');
    expect(env.NATS_ROUTES).toBe(`[${pods.map((pod) => `nats-route://${pod}:6222`).join(', ')}]`);
    expect(nats.spec.template.spec.containers[0].env.find((variable: { name: string }) => variable.name === 'NATS_SERVER_NAME').valueFrom.fieldRef.fieldPath).toBe('metadata.name');
    expect(natsServerTest({ ...NATS_PASSWORDS, NATS_SERVER_NAME: 'nats-0', NATS_ROUTES: env.NATS_ROUTES }).status).toBe(0);
    for (const app of ['gateway', 'orchestrator', 'pool-manager', 'runner']) {
      const container = containers().find((candidate: { name: string }) => candidate.name === app);
      const url = container.env.find((variable: { name: string }) => variable.name === 'NATS_URL').value as string;
      expect(url.split(',').map((server) => server.replace(/^nats:\/\/([^.]+\.[^.:]+)[^:]*:4222$/, '$1'))).toEqual(pods);
    }
  });

  it('then secrets come from the Secret orchestrator-secrets, and each app gets only its own NATS password', () => {
    const secretKeys = containers().flatMap((container: { env?: { valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] }) => (container.env ?? []).flatMap((variable) => (variable.valueFrom?.secretKeyRef ? [variable.valueFrom.secretKeyRef] : [])));
    expect(new Set(secretKeys.map((reference) => reference.name))).toEqual(new Set(['orchestrator-secrets']));
    // the keys the README tells the operator to create
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const key of new Set(secretKeys.map((reference) => reference.key))) expect(readme).toContain(`--from-literal=${key}=`);
    for (const app of ['gateway', 'orchestrator', 'pool-manager', 'runner']) {
      const container = containers().find((candidate: { name: string }) => candidate.name === app);
      const passwords = container.env.filter((variable: { name: string }) => /PASSWORD/.test(variable.name));
      expect(passwords.map((variable: { name: string; valueFrom: { secretKeyRef: { key: string } } }) => [variable.name, variable.valueFrom.secretKeyRef.key])).toEqual([['NATS_PASSWORD', `nats-${app}-password`]]);
      expect(container.env.find((variable: { name: string }) => variable.name === 'NATS_USER').value).toBe(app);
    }
    const runnerHost = find('DaemonSet', 'runner-host').spec.template.spec;
    const socketMounts = runnerHost.containers.filter((container: { volumeMounts?: { mountPath: string }[] }) => (container.volumeMounts ?? []).some((mount) => mount.mountPath === '/var/run/docker.sock'));
    expect(socketMounts.map((container: { name: string }) => container.name)).toEqual(['pool-manager']);
  });
});
