import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigValidationError, MarketDataMode } from '@app/config';
import { simulatorBaseUrls, startUpstreamSimulator } from '@app/simulator';
import { delay } from '@app/scheduling';
import { createGatewayApp } from './bootstrap';
import { loadGatewayConfig, type GatewayConfig } from './gateway-config';
import { Readiness } from './operations/readiness';
import { withSimulatedUpstreams, withSimulatedVenues } from './sandbox';

/** From the signal to the exit at the latest, whatever still runs (Docker sends SIGKILL 10 s after SIGTERM). */
const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig();
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }

  // Sandbox: the real clients talk over loopback to the built-in simulator of the upstream APIs, or to one simulator
  // shared by the replicas of a cluster (SANDBOX_UPSTREAM_URL, `npm run start:simulator`).
  // SPREADS_SOURCE=simulated in live mode: only the spreads venues are simulated (their market is a function of the
  // seed and the tick, so replicas with a simulator each still see one market).
  const sandbox = config.marketData.mode === MarketDataMode.Sandbox;
  const simulated = sandbox || config.spreads.source === 'simulated';
  const sharedSimulator = simulated ? config.marketData.upstreamUrl : undefined;
  const simulator =
    simulated && !sharedSimulator ? await startUpstreamSimulator({ seed: config.marketData.sandboxSeed, venueTickMs: config.spreads.simTickMs }) : undefined;
  const baseUrls = simulator?.baseUrls ?? (sharedSimulator ? simulatorBaseUrls(sharedSimulator) : undefined);
  if (baseUrls) config = sandbox ? withSimulatedUpstreams(config, baseUrls) : withSimulatedVenues(config, baseUrls.exchanges);

  const app = await createGatewayApp(config);
  await app.listen(config.http.port, config.http.host);
  const logger = new Logger('Bootstrap');
  logger.log(`market-gateway listening on http://${config.http.host}:${config.http.port} (market data: ${config.marketData.mode})`);

  // Graceful stop: readiness 503 at once, a drain so the load balancer stops routing here, then close (sockets
  // 1001, backfills aborted, stores flushed). A hard deadline exits whatever still runs.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const { drainMs } = config.shutdown;
    logger.log(`${signal} received: readiness is 503, closing in ${drainMs} ms (exit forced after ${SHUTDOWN_DEADLINE_MS} ms)`);
    // the process's own deadline, outside the app being closed (its registry is cleared on close)
    void delay(SHUTDOWN_DEADLINE_MS, { ref: false }).then(() => {
      logger.error(`shutdown did not finish within ${SHUTDOWN_DEADLINE_MS} ms: exiting anyway`);
      process.exit(1);
    });
    try {
      app.get(Readiness).startDraining();
      await delay(drainMs);
      await app.close();
      await simulator?.close();
      process.exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`market-gateway failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
