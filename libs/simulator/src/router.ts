import { SimulatorRoute, SimulatorRouteModule } from './route-module';
import { UpstreamName } from './upstreams';

interface CompiledRoute {
  route: SimulatorRoute;
  method: string;
  segments: readonly string[];
}

export interface RouteMatch {
  route: SimulatorRoute;
  module: SimulatorRouteModule;
  params: Record<string, string>;
}

/** Matches `(upstream, method, path)` to a route of a registered route module. */
export class SimulatorRouter {
  private readonly modules = new Map<UpstreamName, { module: SimulatorRouteModule; routes: CompiledRoute[] }>();

  register(module: SimulatorRouteModule): this {
    if (this.modules.has(module.upstream)) throw new Error(`routes for ${module.upstream} are already registered`);
    const routes = module.routes.map((route) => ({ route, method: route.method ?? 'GET', segments: splitPath(route.path) }));
    this.modules.set(module.upstream, { module, routes });
    return this;
  }

  moduleFor(upstream: UpstreamName): SimulatorRouteModule | undefined {
    return this.modules.get(upstream)?.module;
  }

  match(upstream: UpstreamName, method: string, path: string): RouteMatch | undefined {
    const entry = this.modules.get(upstream);
    if (!entry) return undefined;
    const segments = splitPath(path);
    for (const compiled of entry.routes) {
      if (compiled.method !== method) continue;
      const params = matchSegments(compiled.segments, segments);
      if (params) return { route: compiled.route, module: entry.module, params };
    }
    return undefined;
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

function matchSegments(pattern: readonly string[], actual: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i].startsWith(':')) {
      const value = decodeSegment(actual[i]);
      if (value === undefined) return undefined;
      params[pattern[i].slice(1)] = value;
    } else if (pattern[i] !== actual[i]) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // malformed escape: no route matches
  }
}
