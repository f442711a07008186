import { Injectable } from '@nestjs/common';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { validateMessage, type LastHeartbeat } from '@app/contracts';
import { NatsClient } from './nats-client';

/**
 * The last heartbeat the runner sent for a task: a direct get of the last message on
 * `orch.hb.<taskId>` (stream ORCH_HEARTBEATS). The pool-manager reads it before it expires a
 * due lease (a stage whose runner goes on heartbeating keeps its lease while the
 * orchestrator, which renews leases on those heartbeats, is down); an orchestrator reads it
 * before it times a stage out for a lost heartbeat (with several orchestrators, the
 * heartbeats are shared among them: the one whose watchdog fires may have seen none).
 */
@Injectable()
export class HeartbeatReader {
  constructor(private readonly nats: NatsClient) {}

  async lastOf(taskIds: readonly string[]): Promise<Map<string, LastHeartbeat>> {
    const found = new Map<string, LastHeartbeat>();
    for (const taskId of new Set(taskIds)) {
      const heartbeat = await this.last(taskId);
      if (heartbeat) found.set(taskId, heartbeat);
    }
    return found;
  }

  async last(taskId: string): Promise<LastHeartbeat | null> {
    try {
      const stored = await this.nats.jsm.direct.getMessage(this.nats.subjects.heartbeatsStream, { last_by_subj: this.nats.subjects.heartbeat(taskId) });
      if (stored === null) return null;
      const validated = validateMessage(stored.data);
      if (!validated.ok || validated.message.type !== 'RunHeartbeat') return null;
      const { data, occurredAt } = validated.message;
      return data.taskId === taskId ? { stageId: data.stageId, attempt: data.attempt, sentAt: occurredAt } : null;
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return null;
      throw error;
    }
  }
}
