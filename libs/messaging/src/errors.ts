/**
 * Thrown by a handler for a failure that may pass (a dependency down, a conflict that
 * needs a fresh read): the message is nak'ed with a delay and delivered again, until the
 * consumer's max deliveries send it to the dead letters.
 */
export class TransientError extends Error {
  override readonly name: string = 'TransientError';
  constructor(
    message: string,
    /** milliseconds before redelivery; the transport backs off by attempt when absent */
    readonly retryAfterMs?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * Thrown by a handler for a message it can never process: the message is terminated and
 * recorded in the dead letters with this error's message as the reason.
 */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

/** An aggregate's subject kept moving under a decision: every re-read and re-decision met another append. */
export class StillConflicting extends TransientError {
  override readonly name = 'StillConflicting';
}
