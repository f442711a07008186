/**
 * Whether a browser request comes from an origin the gateway serves. A request without an
 * `Origin` header is not a browser's cross-origin request (curl, the CLI, a server) and
 * passes; with `allowed` empty only the gateway's own origin does (the Origin's host:port
 * equals the request's Host); else the Origin must be one of `allowed` (or the gateway's own).
 */
export function isAllowedOrigin(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false; // `null` (a sandboxed frame, a file: page) or garbage
  }
}

/** Methods that change something: the ones a foreign page must not send. */
export function isMutating(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}

/**
 * Whether a mutating request's body type is acceptable: JSON, or no body type at all (a
 * POST without a body). Forms and text/plain are what a page of another origin can send
 * without a CORS preflight, so they are refused.
 */
export function isAcceptedBodyType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.trim() === '') return true;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}
