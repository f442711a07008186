import { DependencyUnavailable } from './gateway.errors';

/** Postgres SQLSTATE classes and codes that mean the server is gone or refusing, not a bad query. */
const POSTGRES_DOWN_CODES = ['57P01', '57P02', '57P03', '53300'];
/** Node's socket errors. */
const SOCKET_ERROR_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'];
/** The NATS client's error names for a connection that is down or a server that does not answer. */
const NATS_DOWN_NAMES = ['ClosedConnectionError', 'DrainingConnectionError', 'ConnectionError', 'TimeoutError', 'NoResponders', 'RequestError'];
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
  if (!(error instanceof Error)) return null;
  if (error instanceof DependencyUnavailable) return error;
  const driverError = 'driverError' in error && error.driverError instanceof Error ? error.driverError : error;
  const code = 'code' in driverError && typeof driverError.code === 'string' ? driverError.code : '';
  if (code.startsWith('08') || POSTGRES_DOWN_CODES.includes(code) || POSTGRES_DOWN_MESSAGES.some((pattern) => pattern.test(driverError.message))) {
    return new DependencyUnavailable(`postgres is unavailable: ${driverError.message}`, { dependency: 'postgres' });
  }
  if (SOCKET_ERROR_CODES.includes(code)) {
    return new DependencyUnavailable(`a dependency is unreachable: ${driverError.message}`, { dependency: 'unknown' });
  }
  if (NATS_DOWN_NAMES.includes(error.name)) {
    return new DependencyUnavailable(`nats is unavailable: ${error.message}`, { dependency: 'nats' });
  }
  return null;
}
