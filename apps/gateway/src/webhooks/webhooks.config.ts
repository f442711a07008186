/** The webhook settings (WEBHOOK_*) and the board's public URL the deliveries link to. */
export interface WebhooksConfig {
  /** WEBHOOK_URLS: every target gets every notification; empty = no webhooks (and no consumer) */
  urls: URL[];
  /** WEBHOOK_SECRET: signs each body (SIGNATURE_HEADER); null = unsigned */
  secret: string | null;
  /** BOARD_PUBLIC_URL: where a delivery's `link` points (`<url>/#/tasks/<id>`); null = no link */
  boardPublicUrl: string | null;
  /** attempts before a delivery is given up as failed */
  maxAttempts: number;
  /** milliseconds before the second attempt; doubling after each */
  retryBaseMs: number;
  /** milliseconds a receiver has to answer one attempt */
  timeoutMs: number;
}

export const NO_WEBHOOKS: WebhooksConfig = { urls: [], secret: null, boardPublicUrl: null, maxAttempts: 8, retryBaseMs: 1_000, timeoutMs: 10_000 };
