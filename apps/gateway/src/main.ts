import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigValidationError, MarketDataMode, loadConfig, type AppConfig } from '@app/config';
import { startUpstreamSimulator } from '@app/simulator';
import { createGatewayApp } from './bootstrap';
import { withSimulatedUpstreams } from './sandbox';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }

  // Sandbox: the real clients talk over loopback to the built-in simulator of the upstream APIs.
  const simulator =
    config.marketData.mode === MarketDataMode.Sandbox ? await startUpstreamSimulator({ seed: config.marketData.sandboxSeed }) : undefined;
  if (simulator) config = withSimulatedUpstreams(config, simulator.baseUrls);

  const app = await createGatewayApp(config);
  await app.listen(config.http.port, config.http.host);
  const logger = new Logger('Bootstrap');
  logger.log(`market-gateway listening on http://${config.http.host}:${config.http.port} (market data: ${config.marketData.mode})`);

  // Graceful stop: refuse new work, close sockets with 1001, flush stores, then the simulator.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received, shutting down`);
    await app.close();
    await simulator?.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`market-gateway failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
