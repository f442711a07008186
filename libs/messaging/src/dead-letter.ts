/** What `orch.dlq.<consumer>` holds for each message a consumer gave up on. */
export interface DeadLetterRecord {
  /** why the message was given up on */
  reason: string;
  /** the durable consumer that gave up */
  consumer: string;
  stream: string;
  subject: string;
  /** the message's sequence in its stream */
  streamSequence: number;
  deliveryCount: number;
  deadAt: string;
  /** the message as it was received, as text */
  payload: string;
}
