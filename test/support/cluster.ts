import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import WebSocket from 'ws';
import { SIMULATED_CHAINS, startUpstreamSimulator, type RecordedRequest, type UpstreamName, type UpstreamSimulator } from '@app/simulator';
import { childEnv, freePort, REPO_ROOT, ServiceProcess, TS_REGISTER } from './service-process';
import { StreamClient } from './ws-client';

/** The load-balancer config that ships (docker-compose.yml mounts it): the cluster test runs this very file. */
export const HAPROXY_CFG = join(REPO_ROOT, 'deploy', 'haproxy', 'haproxy.cfg');

/** haproxy's path (Debian puts it in /usr/sbin, which a non-root PATH may lack), or undefined when not installed. */
export function haproxyBinary(): string | undefined {
  for (const candidate of ['haproxy', '/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) {
    if (candidate.includes('/') && !existsSync(candidate)) continue;
    if (spawnSync(candidate, ['-v'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return undefined;
}

/** An API key of the contract tier (live spreads at once, history), upserted by every replica at start. */
export const CLUSTER_API_KEY = 'cluster-e2e-contract-key-01';

/** The simulated DEX pools, as DEX_POOLS (the same list the sandbox tracks). */
export const SIMULATED_DEX_POOLS = SIMULATED_CHAINS.flatMap((chain) => chain.pools.map((pool) => `${chain.name}:${pool.address}:USD:token${pool.quoteIndex}`)).join(',');

export interface ClusterOptions {
  /** extra environment for every replica (e.g. DEX_POOLS, KAFKA_BROKERS) */
  env?: Record<string, string>;
  /** simulator and simulated-venue seed */
  seed?: number;
  /**
   * how many of haproxy.cfg's three servers run a gateway (default 3); the others point at a port nobody listens on,
   * so haproxy's checks mark them DOWN and every client goes to the running ones (bench:cluster's one-replica baseline)
   */
  replicas?: 1 | 2 | 3;
}

/** One gateway process of the cluster. */
export interface Replica {
  /** REPLICA_ID: gw-1, gw-2, gw-3 */
  readonly id: string;
  /** its server name in haproxy.cfg: gateway-1 ... */
  readonly serverName: string;
  readonly port: number;
  readonly httpUrl: string;
  process: ServiceProcess;
}

/** What `/health/ready` says about a replica's place in the cluster (issue 11), when the build reports it. */
export interface ReplicaReport {
  id: string;
  roles: string[];
  /** upstream feeds this replica refreshes for the cluster */
  feed_leases?: number;
}

/**
 * Three gateways on loopback behind deploy/haproxy/haproxy.cfg, sharing one upstream simulator (in this process, so
 * its request log counts the cluster's upstream calls), a fresh Postgres database and the Redis of `REDIS_URL`.
 * The replicas run `MARKET_DATA=live` pointed at the shared simulator: in sandbox mode each would start its own.
 */
export class GatewayCluster {
  private constructor(
    readonly simulator: UpstreamSimulator,
    readonly replicas: Replica[],
    readonly lb: { port: number; statsPort: number; httpUrl: string; process: ServiceProcess },
    readonly databaseUrl: string,
    readonly redisUrl: string,
    private readonly replicaEnv: Record<string, string>,
    private readonly tempDir: string,
    private readonly dropDatabase: () => Promise<void>,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<GatewayCluster> {
    const adminUrl = process.env.DATABASE_URL;
    const redisUrl = process.env.REDIS_URL;
    if (!adminUrl || !redisUrl) throw new Error('GatewayCluster needs DATABASE_URL and REDIS_URL');
    const haproxy = haproxyBinary();
    if (!haproxy) throw new Error('GatewayCluster needs haproxy (apt-get install -y haproxy)');

    const seed = options.seed ?? 42;
    const tempDir = mkdtempSync(join(tmpdir(), 'gateway-cluster-'));
    const { databaseUrl, drop } = await createDatabase(adminUrl);
    const simulator = await startUpstreamSimulator({ seed });
    const keysFile = join(tempDir, 'api-keys.json');
    writeFileSync(keysFile, JSON.stringify([{ key: CLUSTER_API_KEY, secret: 'cluster-e2e-secret', tier: 'contract', name: 'cluster e2e', points: 1_000_000 }]));

    const replicaEnv: Record<string, string> = {
      NODE_ENV: 'development',
      LOG_LEVEL: 'info',
      MARKET_DATA: 'live',
      SANDBOX_SEED: String(seed),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      // this cluster's own namespace in the shared Redis: other suites' gateways never take its leases or read its logs
      REDIS_KEY_PREFIX: `cluster-${process.pid}-${Date.now().toString(36)}:`,
      API_KEYS_FILE: keysFile,
      // every upstream on the shared simulator; nothing leaves the machine
      COINGECKO_BASE_URL: simulator.baseUrls.coingecko,
      DEFILLAMA_BASE_URL: simulator.baseUrls.defillama,
      COINDESK_BASE_URL: simulator.baseUrls.coindesk,
      DERIBIT_BASE_URL: simulator.baseUrls.deribit,
      BINANCE_SPOT_BASE_URL: simulator.baseUrls.binance,
      BINANCE_FUTURES_BASE_URL: simulator.baseUrls.binance,
      DEX_RPC_URLS: SIMULATED_CHAINS.map((chain) => `${chain.name}=${simulator.baseUrls.evm}/${chain.name}`).join(','),
      // the sandbox's seeded venues (the events are known), no GeckoTerminal (it is not simulated)
      SPREADS_SOURCE: 'simulated',
      SPREADS_DEX_NETWORKS: 'none',
      SPREADS_WATCH_VENUES: 'none',
      // only the streams a test opens call upstreams (suites that need ingestion turn it on)
      CAPITAL_FLOW_INGEST: 'false',
      ...options.env,
    };

    const replicas: Replica[] = [];
    for (let n = 1; n <= (options.replicas ?? 3); n++) {
      const port = await freePort();
      replicas.push({ id: `gw-${n}`, serverName: `gateway-${n}`, port, httpUrl: `http://127.0.0.1:${port}`, process: undefined as unknown as ServiceProcess });
    }
    const serverNames = [1, 2, 3].map((n) => `gateway-${n}`);
    const addresses: Record<string, string> = {};
    for (const [index, name] of serverNames.entries()) {
      const replica = replicas.find((r) => r.serverName === name);
      addresses[`GATEWAY_${index + 1}_ADDR`] = `127.0.0.1:${replica?.port ?? (await freePort())}`;
    }
    const lbPort = await freePort();
    const statsPort = await freePort();
    const lbProcess = new ServiceProcess(haproxy, ['-db', '-f', HAPROXY_CFG, '-p', join(tempDir, 'haproxy.pid')], {
      ...process.env,
      LB_BIND: `127.0.0.1:${lbPort}`,
      LB_STATS_BIND: `127.0.0.1:${statsPort}`,
      HAPROXY_STATS_SOCKET: join(tempDir, 'haproxy-admin.sock'),
      ...addresses,
    });
    const cluster = new GatewayCluster(
      simulator,
      replicas,
      { port: lbPort, statsPort, httpUrl: `http://127.0.0.1:${lbPort}`, process: lbProcess },
      databaseUrl,
      redisUrl,
      replicaEnv,
      tempDir,
      drop,
    );
    try {
      // one after the other: concurrent first starts would race on the fresh database's migrations
      for (const replica of replicas) await cluster.startReplica(replica);
      await cluster.waitForServers(Object.fromEntries(serverNames.map((name) => [name, replicas.some((r) => r.serverName === name) ? 'UP' : 'DOWN'])), 30_000);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** Starts (or restarts after a kill) one replica and waits for its readiness. */
  async startReplica(replica: Replica): Promise<void> {
    replica.process = new ServiceProcess(
      'node',
      ['-r', TS_REGISTER, 'apps/gateway/src/main.ts'],
      childEnv({ ...this.replicaEnv, REPLICA_ID: replica.id, PORT: String(replica.port), HOST: '127.0.0.1', DATA_DIR: join(this.tempDir, replica.id) }),
    );
    await replica.process.waitForHttp(`${replica.httpUrl}/health/ready`, 150_000);
  }

  replica(id: string): Replica {
    const found = this.replicas.find((replica) => replica.id === id || replica.serverName === id);
    if (!found) throw new Error(`no replica ${id}`);
    return found;
  }

  /** `kill -9` of one replica (its whole process group), waiting for the exit. */
  async kill(id: string): Promise<void> {
    await this.replica(id).process.stop();
  }

  /** A WebSocket URL through the load balancer (or straight to `replica`). */
  wsUrl(path: string, query: Record<string, string | number> = {}, replica?: Replica): string {
    const url = new URL(path, (replica?.httpUrl ?? this.lb.httpUrl).replace(/^http/, 'ws'));
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
    return url.toString();
  }

  /**
   * A WebSocket through the load balancer, with the haproxy server that took it (HAProxy's `X-Gateway-Replica`
   * response header on the 101).
   */
  async connectThroughLb(path: string, query: Record<string, string | number> = {}): Promise<{ client: StreamClient; server: string }> {
    const socket = new WebSocket(this.wsUrl(path, query));
    const server = new Promise<string>((resolve) => socket.once('upgrade', (response) => resolve(String(response.headers['x-gateway-replica'] ?? ''))));
    const client = new StreamClient(socket);
    await client.opened;
    return { client, server: await server };
  }

  /** The haproxy server (gateway-N) that answered a REST request through the load balancer, and the response. */
  async getThroughLb(path: string, headers: Record<string, string> = {}): Promise<{ server: string; status: number; body: any }> {
    const response = await fetch(`${this.lb.httpUrl}${path}`, { headers, signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { server: response.headers.get('x-gateway-replica') ?? '', status: response.status, body };
  }

  /** Each haproxy server's status in the gateways backend (UP, DOWN, MAINT, "UP 1/2" while it changes), from the stats CSV. */
  async serverStates(): Promise<Record<string, string>> {
    const csv = await (await fetch(`http://127.0.0.1:${this.lb.statsPort}/stats;csv`, { signal: AbortSignal.timeout(5_000) })).text();
    const [header, ...rows] = csv.trim().split('\n');
    const columns = header.replace(/^# /, '').split(',');
    const [proxy, server, status] = ['pxname', 'svname', 'status'].map((name) => columns.indexOf(name));
    const states: Record<string, string> = {};
    for (const row of rows.map((line) => line.split(','))) {
      if (row[proxy] === 'gateways' && row[server].startsWith('gateway-')) states[row[server]] = row[status];
    }
    return states;
  }

  /** Waits until every named haproxy server is in the given state (UP or DOWN). */
  async waitForServers(expected: Record<string, 'UP' | 'DOWN'>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let states: Record<string, string> = {};
    while (Date.now() < deadline) {
      if (!this.lb.process.running) throw new Error(`haproxy exited:\n${this.lb.process.logs()}`);
      try {
        states = await this.serverStates();
        if (Object.entries(expected).every(([server, state]) => states[server] === state)) return;
      } catch {
        // stats not listening yet
      }
      await sleep(200);
    }
    throw new Error(`haproxy servers ${JSON.stringify(states)}, expected ${JSON.stringify(expected)} within ${timeoutMs} ms:\n${this.lb.process.logs().slice(-3000)}`);
  }

  /** `/health/ready` of one replica, straight (not through the load balancer). */
  async ready(replica: Replica): Promise<{ status: number; body: any }> {
    const response = await fetch(`${replica.httpUrl}/health/ready`, { signal: AbortSignal.timeout(3_000) });
    return { status: response.status, body: await response.json() };
  }

  /** The `replica: { id, roles }` of `/health/ready` (top level, or as a terminus indicator), undefined when absent. */
  async replicaReport(replica: Replica): Promise<ReplicaReport | undefined> {
    const { body } = await this.ready(replica);
    const report = body?.replica ?? body?.info?.replica ?? body?.details?.replica;
    return report && typeof report.id === 'string' && Array.isArray(report.roles) ? { id: report.id, roles: report.roles, feed_leases: report.feed_leases } : undefined;
  }

  /** Whether this build reports replicas in `/health/ready` (issue 11): the leadership tests need it. */
  async reportsReplicas(): Promise<boolean> {
    return (await this.replicaReport(this.replicas.find((replica) => replica.process.running)!)) !== undefined;
  }

  /** The replicas (ids) leading `role` now, asked of every running replica. */
  async leadersOf(role: string): Promise<string[]> {
    const leaders: string[] = [];
    for (const replica of this.replicas.filter((r) => r.process.running)) {
      const report = await this.replicaReport(replica).catch(() => undefined);
      if (report?.roles.includes(role)) leaders.push(report.id);
    }
    return leaders;
  }

  /** Waits for exactly one leader of `role` (optionally not `except`); returns its id and when it was seen. */
  async waitForLeader(role: string, options: { except?: string; timeoutMs?: number } = {}): Promise<{ id: string; atMs: number }> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    let leaders: string[] = [];
    while (Date.now() < deadline) {
      leaders = await this.leadersOf(role);
      if (leaders.length === 1 && leaders[0] !== options.except) return { id: leaders[0], atMs: Date.now() };
      await sleep(100);
    }
    throw new Error(`no single leader of ${role}${options.except ? ` other than ${options.except}` : ''}: ${JSON.stringify(leaders)}`);
  }

  /** The upstream requests the simulator received in [fromMs, toMs), for one upstream (optionally paths starting with `pathPrefix`). */
  upstreamCallsFor(upstream: UpstreamName, window: { fromMs: number; toMs: number }, pathPrefix = ''): RecordedRequest[] {
    // the log keeps the last 1,000 requests in full: enough for one stream's refreshes over a test window
    return this.simulator.log.recent().filter((r) => r.upstream === upstream && r.path.startsWith(pathPrefix) && r.atMs >= window.fromMs && r.atMs < window.toMs);
  }

  /** A `pg` pool on the cluster's database (history, outbox), closed by the caller. */
  database(): Pool {
    return new Pool({ connectionString: this.databaseUrl, max: 2 });
  }

  /** Every process's recent output, for failure messages. */
  logs(): string {
    return [...this.replicas.map((r) => `--- ${r.id}\n${r.process?.logs().slice(-4000) ?? ''}`), `--- haproxy\n${this.lb.process.logs().slice(-2000)}`].join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((replica) => replica.process?.stop()));
    await this.lb.process.stop();
    await this.simulator.close();
    await this.dropDatabase().catch(() => undefined);
    rmSync(this.tempDir, { recursive: true, force: true });
  }
}

/** A fresh database next to `DATABASE_URL`'s, named after it (so each run's names stay in the namespace it was given). */
async function createDatabase(adminUrl: string): Promise<{ databaseUrl: string; drop: () => Promise<void> }> {
  const url = new URL(adminUrl);
  const base = url.pathname.replace(/^\//, '').replace(/[^a-z0-9_]/gi, '_').toLowerCase() || 'gateway';
  const name = `${base}_cluster_${process.pid}_${Date.now().toString(36)}`;
  const admin = new Pool({ connectionString: adminUrl, max: 1 });
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    drop: async () => {
      const pool = new Pool({ connectionString: adminUrl, max: 1 });
      try {
        await pool.query(`drop database if exists ${name} with (force)`);
      } finally {
        await pool.end();
      }
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
