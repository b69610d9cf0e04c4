import { startUpstreamSimulator } from './upstream-simulator';

/**
 * The upstream simulator as a process of its own, shared by several gateway replicas (a cluster in sandbox mode:
 * `MARKET_DATA=sandbox SANDBOX_UPSTREAM_URL=http://<host>:<port>` on each replica), with its control API on
 * `/__simulator/` (request counts, faults, clock). `SIMULATOR_PORT` (default 8090), `SIMULATOR_HOST` (default
 * 127.0.0.1), `SANDBOX_SEED` (default 42, the gateway's default too), `SPREADS_SIM_TICK_MS` (default 1000: the spreads venues' tick,
 * the gateways' too).
 */
async function main(): Promise<void> {
  const port = Number(process.env.SIMULATOR_PORT ?? 8090);
  const seed = Number(process.env.SANDBOX_SEED ?? 42);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`SIMULATOR_PORT must be a port number, got ${process.env.SIMULATOR_PORT}`);
  if (!Number.isInteger(seed)) throw new Error(`SANDBOX_SEED must be an integer, got ${process.env.SANDBOX_SEED}`);
  const venueTickMs = Number(process.env.SPREADS_SIM_TICK_MS ?? 1_000);
  if (!Number.isInteger(venueTickMs) || venueTickMs < 1) throw new Error(`SPREADS_SIM_TICK_MS must be a positive integer, got ${process.env.SPREADS_SIM_TICK_MS}`);
  const simulator = await startUpstreamSimulator({ seed, port, host: process.env.SIMULATOR_HOST ?? '127.0.0.1', control: true, venueTickMs });
  process.stdout.write(`upstream simulator listening on ${simulator.origin} (seed ${seed})\n`);
  const stop = () => void simulator.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`upstream simulator failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
