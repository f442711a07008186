import { Inject, Injectable } from '@nestjs/common';
import { newMessage, type Envelope, type MessageData, type MessageType } from '@app/contracts';
import { Clock } from '@app/config';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

/** Envelopes for what users ask for: stamped with the gateway as producer and the clock's time. */
@Injectable()
export class GatewayMessages {
  constructor(
    private readonly clock: Clock,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** A message that starts a chain; `id` when it is derived from an idempotency key. */
  create<T extends MessageType>(type: T, aggregateId: string, data: MessageData<T>, id?: string): Envelope<T> {
    return newMessage(type, aggregateId, data, {
      producer: this.config.messaging.producer,
      occurredAt: this.clock.nowIso(),
      ...(id === undefined ? {} : { id }),
    });
  }

  now(): Date {
    return this.clock.now();
  }
}
