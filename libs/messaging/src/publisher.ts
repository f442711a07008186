import { Injectable } from '@nestjs/common';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import type { Envelope, MessageData, OrchCommand, OrchEvent } from '@app/contracts';
import { NatsClient } from './nats-client';
import { tracedPublish } from './tracing';

/** An append that lost a race: the aggregate moved on since it was read. Re-read, re-decide. */
export interface AppendConflict {
  subject: string;
  /** the last subject sequence the writer expected */
  expectedLastSubjectSequence: number;
  /** the server's words */
  detail: string;
}

export type AppendResult =
  | { ok: true; seq: number; duplicate: boolean }
  | { ok: false; conflict: AppendConflict };

/** Header that carries the message type, so `nats stream view` shows it without parsing. */
export const TYPE_HEADER = 'Orch-Type';

/**
 * Writes messages to the streams: events appended to their aggregate's subject (with an
 * expected last subject sequence when the writer decided on a read state), commands to
 * their command subject. Every message carries its envelope id as `Nats-Msg-Id`.
 */
@Injectable()
export class MessagePublisher {
  constructor(private readonly nats: NatsClient) {}

  /**
   * Appends an event. With `expectedLastSubjectSequence` (0 = the subject must be empty)
   * the append succeeds only if nobody wrote to the aggregate since; otherwise it comes
   * back as a conflict.
   */
  async append(event: OrchEvent, expectedLastSubjectSequence?: number): Promise<AppendResult> {
    const subject = this.nats.subjects.eventSubject(event.aggregateId, event.type);
    return this.publish(subject, event, expectedLastSubjectSequence);
  }

  /** Sends a command to the app that owns it. */
  async send(command: OrchCommand): Promise<number> {
    const result = await this.publish(this.nats.subjects.command(command.type), command);
    if (!result.ok) throw new Error(`unexpected conflict sending ${command.type}`);
    return result.seq;
  }

  /** Ships a batch of agent output to ORCH_LOGS. */
  async log(batch: Envelope<'RunOutputLogged'>): Promise<void> {
    const data: MessageData<'RunOutputLogged'> = batch.data;
    await this.publish(this.nats.subjects.log(data.taskId, data.stageId), batch);
  }

  private async publish(subject: string, message: Envelope, expectedLastSubjectSequence?: number): Promise<AppendResult> {
    const header = headers();
    header.set(TYPE_HEADER, message.type);
    try {
      const ack = await tracedPublish(message, subject, header, () =>
        this.nats.js.publish(subject, JSON.stringify(message), {
          msgID: message.id,
          headers: header,
          ...(expectedLastSubjectSequence === undefined ? {} : { expect: { lastSubjectSequence: expectedLastSubjectSequence } }),
        }),
      );
      return { ok: true, seq: ack.seq, duplicate: ack.duplicate };
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamWrongLastSequence) {
        return {
          ok: false,
          conflict: { subject, expectedLastSubjectSequence: expectedLastSubjectSequence ?? 0, detail: error.message },
        };
      }
      throw error;
    }
  }
}
