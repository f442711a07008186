import { Inject, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

/** Why a presented token is refused, or null when it is accepted. */
export type TokenVerdict = string | null;

/** Checks bearer tokens against API_TOKEN, in constant time. */
@Injectable()
export class TokenVerifier {
  private readonly expected: Buffer | null;

  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {
    this.expected = config.apiToken === null ? null : digest(config.apiToken);
  }

  /** Whether a token is needed at all: only when API_TOKEN is set. */
  get enabled(): boolean {
    return this.expected !== null;
  }

  /** Whether a GET needs the token (API_READS_REQUIRE_TOKEN). */
  get readsRequireToken(): boolean {
    return this.enabled && this.config.readsRequireToken;
  }

  /** Checks an `Authorization` header value. */
  verifyHeader(header: string | undefined): TokenVerdict {
    if (header === undefined || header === '') return 'missing Authorization: Bearer <API_TOKEN> header';
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match?.[1]) return 'the Authorization header must be "Bearer <API_TOKEN>"';
    return this.verifyToken(match[1]);
  }

  /** Checks a token as given (the socket handshake's `auth.token`). */
  verifyToken(token: unknown): TokenVerdict {
    if (this.expected === null) return null;
    if (typeof token !== 'string' || token === '') return 'missing token';
    return timingSafeEqual(digest(token), this.expected) ? null : 'the token is not valid';
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
