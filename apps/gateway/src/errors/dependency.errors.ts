import { DependencyUnavailable } from './gateway.errors';

/** Postgres SQLSTATE classes and codes that mean the server is gone or refusing, not a bad query. */
const POSTGRES_DOWN_CODES = ['57P01', '57P02', '57P03', '53300'];
/** Node's socket errors. */
const SOCKET_ERROR_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'];
/** The NATS client's error names for a connection that is down, a server that does not answer, or one shutting down (its JetStream already off). */
const NATS_DOWN_NAMES = ['ClosedConnectionError', 'DrainingConnectionError', 'ConnectionError', 'TimeoutError', 'NoResponders', 'RequestError', 'JetStreamNotEnabled'];
/**
 * JetStream's error codes for a write its store cannot take: the server's store full (10023
 * "insufficient resources"), the account's (10002), a stream's limit reached or a store
 * failure (10077, e.g. "maximum messages exceeded"), no room to make a stream (10047).
 */
const NATS_STORE_FULL_CODES = [10023, 10002, 10077, 10047];
const POSTGRES_DOWN_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection error/i,
  /terminating connection/i,
  /is not currently accepting connections/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

/**
 * An error from talking to Postgres or NATS that means the dependency is down (so the
 * caller gets a 503 naming it), or null for any other error (a bug: a 500).
 */
export function asDependencyFailure(error: unknown): DependencyUnavailable | null {
  if (error instanceof DependencyUnavailable) return error;
  // duck-typed, not `instanceof Error`: Node's socket errors come from another realm under jest's VM
  if (!isErrorLike(error)) return null;
  const driverError = 'driverError' in error && isErrorLike(error.driverError) ? error.driverError : error;
  const code = 'code' in driverError && typeof driverError.code === 'string' ? driverError.code : '';
  if (code.startsWith('08') || POSTGRES_DOWN_CODES.includes(code) || POSTGRES_DOWN_MESSAGES.some((pattern) => pattern.test(driverError.message))) {
    return new DependencyUnavailable(`postgres is unavailable: ${driverError.message}`, { dependency: 'postgres' });
  }
  // a raw socket error reaches a request only from pg: the NATS client reconnects on its own and throws its own errors
  if (SOCKET_ERROR_CODES.includes(code)) {
    return new DependencyUnavailable(`postgres is unavailable: ${driverError.message}`, { dependency: 'postgres' });
  }
  if (NATS_DOWN_NAMES.includes(error.name)) {
    return new DependencyUnavailable(`nats is unavailable: ${error.message}`, { dependency: 'nats' });
  }
  const jetStreamCode = 'code' in error && typeof error.code === 'number' ? error.code : null;
  if (error.name === 'JetStreamApiError' && jetStreamCode !== null && NATS_STORE_FULL_CODES.includes(jetStreamCode)) {
    return new DependencyUnavailable(`nats is unavailable: its JetStream store refused the write (${error.message}); it resumes once space returns`, {
      dependency: 'nats',
      reason: 'store full',
    });
  }
  return null;
}

function isErrorLike(value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string' && typeof (value as { name?: unknown }).name === 'string';
}
