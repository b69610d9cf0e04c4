import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PATH_METADATA } from '@nestjs/common/constants';
import { parse, parseAllDocuments } from 'yaml';
import { documentVariables } from '@app/config';
import { gatewayConfig } from '../apps/gateway/src/gateway-config';
import { HealthController } from '../apps/gateway/src/operations/health.controller';

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Every environment variable the app reads: the variables of its configuration schema. */
const SCHEMA_ENV = new Set(documentVariables(gatewayConfig.slices).map((variable) => variable.name));

/** The app's defaults and its hard shutdown deadline (main.ts: exit forced this long after SIGTERM). */
const APP_PORT = 8000;
const SHUTDOWN_DEADLINE_MS = Number(/const SHUTDOWN_DEADLINE_MS = ([\d_]+);/.exec(read('apps/gateway/src/main.ts'))![1].replace(/_/g, ''));

/** The health routes as the controller declares them: `/health/live`, `/health/ready`. */
function healthRoute(method: 'live' | 'ready'): string {
  const base = Reflect.getMetadata(PATH_METADATA, HealthController) as string;
  const path = Reflect.getMetadata(PATH_METADATA, HealthController.prototype[method]) as string;
  return `/${base}/${path}`;
}

function binary(name: string): string | undefined {
  for (const candidate of [name, `/usr/sbin/${name}`, `/usr/bin/${name}`]) {
    if (spawnSync(candidate, ['--version'], { stdio: 'ignore' }).error === undefined) return candidate;
  }
  return undefined;
}
const HAPROXY = binary('haproxy');
const DOCKER_COMPOSE = binary('docker-compose');
const itWith = (tool: string | undefined, name: string) => (tool ? it : (title: string, fn: jest.ProvidesCallback) => it.skip(`${title} [skipped: ${name} is not installed]`, fn));

describe('Kubernetes manifests (deploy/k8s)', () => {
  const docs = readdirSync(join(ROOT, 'deploy/k8s'))
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => parseAllDocuments(read(`deploy/k8s/${file}`)).map((doc) => doc.toJS()))
    .filter(Boolean);
  const ofKind = (kind: string) => {
    const found = docs.filter((doc) => doc.kind === kind);
    expect(found).toHaveLength(1);
    return found[0];
  };
  const deployment = () => ofKind('Deployment');
  const container = () => deployment().spec.template.spec.containers.find((c: any) => c.name === 'gateway');

  it('a Deployment of several replicas whose container listens on PORT', () => {
    const config = ofKind('ConfigMap');
    expect(deployment().spec.replicas).toBeGreaterThanOrEqual(2);
    expect(Number(config.data.PORT ?? APP_PORT)).toBe(APP_PORT);
    expect(container().ports).toEqual([expect.objectContaining({ name: 'http', containerPort: APP_PORT })]);
  });

  it('probes the app: readiness on /health/ready, liveness on /health/live, at the container port', () => {
    const { readinessProbe, livenessProbe, startupProbe } = container();
    expect(healthRoute('ready')).toBe('/health/ready');
    expect(readinessProbe.httpGet).toEqual({ path: healthRoute('ready'), port: 'http' });
    expect(livenessProbe.httpGet).toEqual({ path: healthRoute('live'), port: 'http' });
    if (startupProbe) expect(startupProbe.httpGet.path).toBe(healthRoute('live'));
  });

  it('terminationGracePeriodSeconds covers the preStop sleep, the drain and the app hard deadline', () => {
    const drainMs = Number(ofKind('ConfigMap').data.SHUTDOWN_DRAIN_MS);
    expect(drainMs).toBeGreaterThan(0);
    expect(drainMs).toBeLessThanOrEqual(8_000); // the schema's maximum: the drain must end before the deadline
    const preStop = container().lifecycle.preStop.exec.command as string[];
    expect(preStop[0]).toBe('sleep');
    const preStopMs = Number(preStop[1]) * 1000;
    const graceMs = deployment().spec.template.spec.terminationGracePeriodSeconds * 1000;
    expect(SHUTDOWN_DEADLINE_MS).toBe(10_000);
    expect(graceMs).toBeGreaterThanOrEqual(preStopMs + drainMs + SHUTDOWN_DEADLINE_MS);
  });

  it('sets resource requests and a memory limit above the request', () => {
    const { requests, limits } = container().resources;
    expect(requests.cpu).toBeDefined();
    expect(requests.memory).toMatch(/^\d+Mi$/);
    expect(parseInt(limits.memory, 10)).toBeGreaterThan(parseInt(requests.memory, 10));
  });

  it('every env name in the ConfigMap, the Secret and the container is one the app reads', () => {
    const names = [...Object.keys(ofKind('ConfigMap').data), ...Object.keys(ofKind('Secret').stringData), ...container().env.map((e: any) => e.name)];
    expect(names.filter((name) => !SCHEMA_ENV.has(name))).toEqual([]);
    const refs = container().envFrom.map((ref: any) => (ref.configMapRef ?? ref.secretRef).name);
    expect(refs).toEqual([ofKind('ConfigMap').metadata.name, ofKind('Secret').metadata.name]);
  });

  it('the Service and the PodDisruptionBudget select the Deployment pods; the Service targets the container port', () => {
    const labels = deployment().spec.template.metadata.labels;
    const service = ofKind('Service');
    const pdb = ofKind('PodDisruptionBudget');
    for (const selector of [service.spec.selector, pdb.spec.selector.matchLabels, deployment().spec.selector.matchLabels]) {
      expect(labels).toMatchObject(selector);
    }
    expect(service.spec.ports[0].targetPort).toBe(container().ports[0].name);
    // one pod at a time may go: the others keep serving and can lead
    expect(pdb.spec.maxUnavailable ?? deployment().spec.replicas - pdb.spec.minAvailable).toBeLessThan(deployment().spec.replicas);
  });
});

describe('docker-compose.yml and deploy/haproxy/haproxy.cfg', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true });
  const haproxyCfg = read('deploy/haproxy/haproxy.cfg');
  const gateways = Object.entries<any>(compose.services).filter(([name]) => /^gateway-\d+$/.test(name));

  it('runs three gateway replicas with distinct REPLICA_IDs, each env name one the app reads', () => {
    expect(gateways.map(([name]) => name)).toEqual(['gateway-1', 'gateway-2', 'gateway-3']);
    expect(new Set(gateways.map(([, service]) => service.environment.REPLICA_ID)).size).toBe(3);
    for (const [name, service] of gateways) {
      expect({ name, unknown: Object.keys(service.environment).filter((key) => !SCHEMA_ENV.has(key)) }).toEqual({ name, unknown: [] });
      expect({ name, shared: ['DATABASE_URL', 'REDIS_URL', 'KAFKA_BROKERS'].filter((key) => !service.environment[key]) }).toEqual({ name, shared: [] });
      expect(Number(service.environment.PORT)).toBe(APP_PORT);
      expect(service.healthcheck.test.join(' ')).toContain(healthRoute('ready'));
      // Docker's SIGKILL comes after the drain and the hard deadline
      expect(parseInt(service.stop_grace_period, 10) * 1000).toBeGreaterThanOrEqual(SHUTDOWN_DEADLINE_MS + Number(service.environment.SHUTDOWN_DRAIN_MS));
    }
  });

  it('puts HAProxy in front, with the shipped config mounted read-only and every replica addressed', () => {
    const lb = compose.services.lb;
    expect(lb.volumes).toContain('./deploy/haproxy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    gateways.forEach(([name], index) => {
      expect(lb.environment[`GATEWAY_${index + 1}_ADDR`]).toBe(`${name}:${APP_PORT}`);
      expect(haproxyCfg).toContain(`server ${name} "\${GATEWAY_${index + 1}_ADDR-${name}:${APP_PORT}}" check`);
    });
  });

  it('HAProxy: http mode, WebSocket tunnels, health checks on GET /health/ready', () => {
    expect(haproxyCfg).toMatch(/^\s*mode http$/m);
    expect(haproxyCfg).toMatch(/^\s*timeout tunnel \d+[smh]$/m);
    expect(haproxyCfg).toMatch(/^\s*option httpchk$/m);
    expect(haproxyCfg).toContain(`http-check send meth GET uri ${healthRoute('ready')}`);
  });

  it('Postgres, Redis and Kafka (KRaft) have healthchecks and volumes', () => {
    for (const name of ['postgres', 'redis', 'kafka']) {
      const service = compose.services[name];
      expect({ name, healthcheck: Boolean(service.healthcheck?.test) }).toEqual({ name, healthcheck: true });
      expect(service.volumes?.length).toBeGreaterThan(0);
      expect(Object.keys(compose.volumes)).toContain(service.volumes[0].split(':')[0]);
    }
    expect(compose.services.kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
  });

  itWith(DOCKER_COMPOSE, 'docker-compose')('`docker-compose config -q` accepts the file', () => {
    const result = spawnSync(DOCKER_COMPOSE!, ['-f', 'docker-compose.yml', 'config', '-q'], { cwd: ROOT, encoding: 'utf8' });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
  });

  itWith(HAPROXY, 'haproxy')('`haproxy -c` accepts the config, with compose defaults and with loopback addresses as the cluster test sets them', () => {
    const check = (env: Record<string, string>) => spawnSync(HAPROXY!, ['-c', '-f', 'deploy/haproxy/haproxy.cfg'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
    const loopback = check({
      LB_BIND: '127.0.0.1:18000',
      LB_STATS_BIND: '127.0.0.1:18404',
      GATEWAY_1_ADDR: '127.0.0.1:18001',
      GATEWAY_2_ADDR: '127.0.0.1:18002',
      GATEWAY_3_ADDR: '127.0.0.1:18003',
      HAPROXY_STATS_SOCKET: '/tmp/haproxy-config-check.sock',
    });
    expect({ status: loopback.status, output: loopback.stdout + loopback.stderr }).toEqual({ status: 0, output: expect.stringContaining('Configuration file is valid') });
    expect(loopback.stderr).not.toMatch(/WARNING|ALERT/);
    // the compose names do not resolve here: valid, with a warning per unresolved server
    expect(check({}).status).toBe(0);
  });
});
