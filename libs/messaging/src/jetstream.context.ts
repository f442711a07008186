import { BaseRpcContext } from '@nestjs/microservices';
import type { JsMsg } from '@nats-io/jetstream';

export interface DeliveryFacts {
  subject: string;
  /** stream sequence */
  seq: number;
  /** 1 on first delivery */
  deliveryCount: number;
  /** the durable consumer that delivered it */
  consumer: string;
  message: JsMsg;
}

/** What a handler may know about the delivery of the message it handles. */
export class JetStreamContext extends BaseRpcContext<[DeliveryFacts]> {
  get subject(): string {
    return this.args[0].subject;
  }
  get seq(): number {
    return this.args[0].seq;
  }
  get deliveryCount(): number {
    return this.args[0].deliveryCount;
  }
  get consumer(): string {
    return this.args[0].consumer;
  }
  /** Tells the server the handler is still working, so the message is not redelivered yet. */
  working(): void {
    this.args[0].message.working();
  }
}
