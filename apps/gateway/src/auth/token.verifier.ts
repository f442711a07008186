import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

/** Why a presented token is refused, or null when it is accepted. */
export type TokenVerdict = string | null;

/** Who a request acts as: the name of the token it carried, or `anonymous` on an open gateway. */
export const ANONYMOUS = 'anonymous';

/** Checks bearer tokens against API_TOKENS / API_TOKEN, in constant time, and names the one given. */
@Injectable()
export class TokenVerifier {
  private readonly expected: ReadonlyArray<{ name: string; digest: Buffer }>;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.expected = config.apiTokens.map(({ name, token }) => ({ name, digest: digest(token) }));
  }

  /** Whether a token is needed at all: only when API_TOKEN or API_TOKENS is set. */
  get enabled(): boolean {
    return this.expected.length > 0;
  }

  /** Whether a GET needs the token (API_READS_REQUIRE_TOKEN). */
  get readsRequireToken(): boolean {
    return this.enabled && this.config.readsRequireToken;
  }

  /** Checks an `Authorization` header value: the token's name, or why it is refused. */
  identifyHeader(header: string | undefined): { name: string } | { refused: string } {
    if (!this.enabled) return { name: ANONYMOUS };
    if (header === undefined || header === '') return { refused: 'missing Authorization: Bearer <API_TOKEN> header' };
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match?.[1]) return { refused: 'the Authorization header must be "Bearer <API_TOKEN>"' };
    const name = this.nameOf(match[1]);
    return name === null ? { refused: 'the token is not valid' } : { name };
  }

  /** Checks a token as given (the socket handshake's `auth.token`). */
  verifyToken(token: unknown): TokenVerdict {
    if (!this.enabled) return null;
    if (typeof token !== 'string' || token === '') return 'missing token';
    return this.nameOf(token) === null ? 'the token is not valid' : null;
  }

  /** The name of the token, comparing it with every known one (so the time does not tell which matched). */
  private nameOf(token: string): string | null {
    const given = digest(token);
    let name: string | null = null;
    for (const expected of this.expected) {
      if (timingSafeEqual(given, expected.digest) && name === null) name = expected.name;
    }
    return name;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
