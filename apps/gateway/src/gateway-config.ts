import { APP_CONFIG_SLICES, composeConfig, type ComposedConfig } from '@app/config';
import { capitalFlowConfig } from './capital-flow/capital-flow.config';
import { dexMetricsConfig } from './dex-metrics/dex-metrics.config';
import { spreadsConfig } from './spreads/spreads.config';

/** The gateway's one configuration schema: the cross-cutting slices of libs/config and each feature's own. */
export const gatewayConfig = composeConfig(...APP_CONFIG_SLICES, spreadsConfig, dexMetricsConfig, capitalFlowConfig);

export type GatewayConfig = ComposedConfig<typeof gatewayConfig.slices>;

/** Validates the environment once (every bad variable named in one `ConfigValidationError`, secrets redacted). */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return gatewayConfig.load(env);
}
