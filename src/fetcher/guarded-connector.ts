import { isIP } from 'node:net';
import { buildConnector } from 'undici';
import { ThumbsmithError } from '../domain/errors.js';
import { withTimeout } from '../lib/timeout.js';
import { isAllowedAddress } from './address-policy.js';

/** Resolves a host name to every address it has (like `dns.lookup(host, { all: true })`). */
export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: 4 | 6 }>>;

/** What the connector is about to open; reported before the socket is created. */
export interface ConnectAttempt {
  /** The host name from the URL (or the IP literal). */
  readonly hostname: string;
  /** The vetted IP the socket connects to. */
  readonly address: string;
  readonly port: number;
}

export interface GuardedConnectorOptions {
  readonly resolve: Resolver;
  readonly allowLoopback: boolean;
  readonly connectTimeoutMs: number;
  /** Called right before each socket is opened (tests record attempts; metrics may count them); a throw vetoes it. */
  readonly onConnect?: ((attempt: ConnectAttempt) => void) | undefined;
}

/**
 * An undici connector that resolves the host itself, refuses the connection unless EVERY address is allowed, then
 * connects to a vetted IP — never to the name — so DNS rebinding between check and connect has nothing to swap.
 * TLS keeps the original name as SNI/servername, and undici keeps the original Host header, so certificates and
 * virtual hosting work as usual. IP literals go through the same check (undici would skip a custom `lookup` for them).
 */
export function createGuardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const inner = buildConnector({ timeout: options.connectTimeoutMs });
  return (connectOptions, callback) => {
    const { hostname } = connectOptions;
    vetHost(hostname, options).then(
      (addresses) => connectInOrder(addresses, 0, connectOptions, inner, options, callback),
      (error: Error) => callback(error, null),
    );
  };
}

async function vetHost(hostname: string, options: GuardedConnectorOptions): Promise<string[]> {
  const literal = isIP(hostname) !== 0;
  let addresses: string[];
  if (literal) {
    addresses = [hostname];
  } else {
    addresses = (await resolveWithin(hostname, options)).map((entry) => entry.address);
  }
  if (addresses.length === 0) {
    throw new ThumbsmithError('TS_FETCH_FAILED', `The host ${hostname} has no addresses`);
  }
  // One private address is enough to refuse: the OS or a later connection could pick it.
  if (!addresses.every((address) => isAllowedAddress(address, options.allowLoopback))) {
    throw new ThumbsmithError(
      'TS_FETCH_BLOCKED_ADDRESS',
      literal
        ? `The host ${hostname} is not a public address`
        : `The host ${hostname} resolves to a non-public address`,
    );
  }
  return addresses;
}

/** undici cannot abort a request while its connector runs, so a hanging resolver must time out here. */
async function resolveWithin(hostname: string, options: GuardedConnectorOptions) {
  try {
    return await withTimeout(
      options.resolve(hostname),
      options.connectTimeoutMs,
      () => new ThumbsmithError('TS_FETCH_TIMEOUT', `Resolving ${hostname} took too long`),
    );
  } catch (error) {
    if (error instanceof ThumbsmithError) throw error;
    throw new ThumbsmithError('TS_FETCH_FAILED', `The host ${hostname} could not be resolved`, { cause: error });
  }
}

/** Tries the vetted addresses one after another; the first socket that connects wins. */
function connectInOrder(
  addresses: readonly string[],
  index: number,
  connectOptions: buildConnector.Options,
  inner: buildConnector.connector,
  options: GuardedConnectorOptions,
  callback: buildConnector.Callback,
): void {
  const address = addresses[index]!;
  const { hostname, protocol } = connectOptions;
  const port = Number(connectOptions.port) || (protocol === 'https:' ? 443 : 80);
  // Last line of defence: nothing reaches the socket layer without passing the address check right here.
  if (!isAllowedAddress(address, options.allowLoopback)) {
    callback(new ThumbsmithError('TS_FETCH_BLOCKED_ADDRESS', `The host ${hostname} is not a public address`), null);
    return;
  }
  try {
    options.onConnect?.({ hostname, address, port });
  } catch (error) {
    // A hook may veto the connection (tests use this as a hard stop for anything not on loopback).
    callback(asError(error), null);
    return;
  }
  const servername = isIP(hostname) === 0 ? hostname : undefined;
  inner({ ...connectOptions, hostname: address, servername }, (...args) => {
    const [error] = args;
    if (error !== null && index + 1 < addresses.length) {
      connectInOrder(addresses, index + 1, connectOptions, inner, options, callback);
      return;
    }
    callback(...args);
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
