import type { FastifyRequest } from 'fastify';

/**
 * True when the route the router matched is an API route (`/v1…`). Decided on the matched route pattern, never on
 * the raw URL: the router decodes the path first, so `/%761/images`, `/v1/%69mages` and the absolute form
 * `http://host/v1/images` all reach `/v1/images` while their raw URLs do not start with `/v1`.
 */
export function isApiRoute(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && (route === '/v1' || route.startsWith('/v1/'));
}

/** True when no route matched (the answer is a 404). */
export function isUnmatched(request: FastifyRequest): boolean {
  return request.routeOptions.url === undefined;
}

/** The routes a load balancer, container runtime or Prometheus calls every few seconds. */
const PROBE_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** True for a liveness or readiness probe or a metrics scrape (on the matched route, like `isApiRoute`). */
export function isProbeRoute(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  return route !== undefined && PROBE_ROUTES.has(route);
}
