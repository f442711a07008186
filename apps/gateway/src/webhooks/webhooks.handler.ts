import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { OrchEvent } from '@app/contracts';
import type { JetStreamContext } from '@app/messaging';
import { WebhookDeliveryWorker } from './webhook-delivery.worker';
import { notificationOf } from './webhook.notification';
import { WebhookOutbox } from './webhook-outbox.service';

/** The durable consumer of the gateway's webhooks: one event in, its deliveries into the outbox; the sending is the worker's. */
@Controller()
export class WebhooksHandler {
  constructor(
    private readonly outbox: WebhookOutbox,
    private readonly worker: WebhookDeliveryWorker,
  ) {}

  @EventPattern(['TaskWaiting', 'OrchestrationCompleted', 'OrchestrationFailed', 'TaskPullRequestOpened'])
  async notify(@Payload() event: OrchEvent, @Ctx() context: JetStreamContext): Promise<void> {
    const notification = notificationOf(event);
    if (notification === null) return;
    await this.outbox.add(notification, context.seq);
    this.worker.wake();
  }
}
