import { useEffect, useState } from 'react';
import { useApi } from '../api/api.context';
import type { WebhookDeliveryView } from '../api/api.types';

/** Whom the webhooks told about this task (WEBHOOK_URLS), and how each delivery stands; nothing when none is configured. */
export function WebhookDeliveries({ taskId, lastSeq }: { taskId: string; lastSeq: number }) {
  const { api } = useApi();
  const [deliveries, setDeliveries] = useState<WebhookDeliveryView[]>([]);
  useEffect(() => {
    let current = true;
    api.webhooks(taskId).then(
      (answer) => {
        if (current) setDeliveries(answer);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [api, taskId, lastSeq]);
  if (deliveries.length === 0) return null;
  return (
    <section className="panel" data-testid="webhook-deliveries">
      <h2>Notifications</h2>
      <ul>
        {deliveries.map((delivery) => (
          <li key={delivery.id}>
            {delivery.event} → {delivery.target}: <span className={`badge badge-${delivery.status === 'delivered' ? 'completed' : delivery.status === 'failed' ? 'failed' : 'pending'}`}>{delivery.status}</span>{' '}
            <span className="muted">
              {delivery.attempts} attempt{delivery.attempts === 1 ? '' : 's'}
              {delivery.lastError === null ? '' : ` · ${delivery.lastError}`}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
