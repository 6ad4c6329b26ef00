// The layers of src/ as rules: which folder may import which (docs/architecture.md, "Layers", has the table and why).
// Run by `npm run lint` through scripts/check-layers.mjs; any violation of these error-severity rules fails it.
// Paths are matched on the resolved file, so type-only imports count as much as value imports.

/** A folder of src/ as a path pattern. */
const layer = (name) => `^src/${name}/`;
/** Several folders of src/ as one path pattern. */
const layers = (...names) => `^src/(${names.join('|')})/`;
/** The composition root and the commands: the only code that may import everything. */
const composition = '^src/(compose[^/]*\\.ts|composition/|cli[^/]*\\.ts|commands/|server\\.ts|startup\\.ts)';

/** A rule that `from` may import nothing of src/ but the given paths. */
function onlyImports(name, from, allowed, comment) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: from },
    to: { path: '^src/', pathNot: allowed },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle (type-only imports included) means two modules are one; move the shared part down.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    onlyImports(
      'domain-imports-only-domain',
      layer('domain'),
      layer('domain'),
      'domain/ is the vocabulary every layer shares: pure types and rules, so it can depend on nothing above it.',
    ),
    onlyImports(
      'ports-import-only-domain',
      layer('ports'),
      layers('ports', 'domain'),
      'ports/ are the interfaces the service needs from infrastructure, spoken in domain terms only.',
    ),
    onlyImports(
      'lib-imports-nothing-of-ours',
      layer('lib'),
      layer('lib'),
      'lib/ holds generic helpers (timeouts) that any layer may use, so they depend on no layer.',
    ),
    onlyImports(
      'imaging-imports-no-infrastructure',
      layer('imaging'),
      layers('imaging', 'domain', 'lib'),
      'imaging/ is pure (bytes and files in, bytes out): no adapters, HTTP, service, configuration or telemetry.',
    ),
    onlyImports(
      'adapters-implement-ports-only',
      layer('adapters'),
      layers('adapters', 'ports', 'domain', 'lib'),
      'adapters/ implement ports with one technology each; they never reach up into service, http or config.',
    ),
    {
      name: 'adapters-do-not-import-each-other',
      comment: 'Each adapter stands alone; only the shared SQL implementation (adapters/sql) may be reused.',
      severity: 'error',
      from: { path: '^src/adapters/([^/]+)/' },
      to: { path: '^src/adapters/', pathNot: ['^src/adapters/$1/', '^src/adapters/sql/'] },
    },
    onlyImports(
      'service-imports-no-infrastructure',
      layer('service'),
      layers('service', 'domain', 'ports', 'lib', 'imaging', 'telemetry', 'fetcher'),
      'service/ holds the use cases; it sees infrastructure only through ports and never knows HTTP.',
    ),
    onlyImports(
      'http-imports-service-not-infrastructure',
      layer('http'),
      layers('http', 'service', 'domain', 'ports', 'lib', 'telemetry'),
      'http/ maps requests to service calls and answers; it gets the service objects from composition.',
    ),
    onlyImports(
      'telemetry-imports-only-domain-and-lib',
      layer('telemetry'),
      layers('telemetry', 'domain', 'lib', 'ports'),
      'telemetry/ is the observability facade every layer may call, so it depends on no layer above domain ' +
        '(ports only by type, see the next rule).',
    ),
    {
      name: 'telemetry-imports-ports-by-type-only',
      comment: 'telemetry/ decorates ports (traced-queue.ts) and so needs their types, but never their code.',
      severity: 'error',
      from: { path: layer('telemetry') },
      to: { path: layer('ports'), dependencyTypesNot: ['type-only'] },
    },
    onlyImports(
      'fetcher-imports-only-domain-lib-telemetry',
      layer('fetcher'),
      layers('fetcher', 'domain', 'lib', 'telemetry'),
      'fetcher/ is the SSRF-guarded outbound client: a piece of infrastructure the service and the webhooks use.',
    ),
    onlyImports(
      'config-imports-only-domain-and-lib',
      layer('config'),
      layers('config', 'domain', 'lib'),
      'config/ parses variables; the rules it validates against (host patterns, signing keys) live in domain/.',
    ),
    onlyImports(
      'worker-imports-ports-and-below',
      layer('worker'),
      layers('worker', 'ports', 'domain', 'lib', 'telemetry'),
      'worker/ turns a JobQueue into a consumer of typed handlers; the handlers themselves come from composition.',
    ),
    onlyImports(
      'sdk-imports-nothing-of-ours',
      layer('sdk'),
      layer('sdk'),
      'sdk/ is the typed API client other programs import (thumbsmith/client): generated types and openapi-fetch only.',
    ),
    onlyImports(
      'client-imports-no-server-code',
      layer('client'),
      layers('client', 'sdk', 'domain', 'lib'),
      'client/ is the CLI an HTTP client of the public API only (through sdk/): it may share pure domain rules, never ' +
        'server code.',
    ),
    {
      name: 'only-composition-imports-composition',
      comment: 'The composition root wires every layer together, so no layer may depend on it.',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: '^src/(composition|commands)/' },
      to: { path: composition },
    },
    {
      name: 'web-imports-no-server-code',
      comment: 'The web page is a browser client of the public API (through sdk/); it shares only plain words and names.',
      severity: 'error',
      from: { path: '^web/src/' },
      to: { path: '^src/', pathNot: ['^src/sdk/', '^src/(client/plain-words|domain/url-name)\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    // swc parses the TypeScript sources as written, so type-only imports are dependencies too (no
    // tsPreCompilationDeps: that option asks for the TypeScript compiler API, which TypeScript 7.0 does not have).
    parser: 'swc',
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
