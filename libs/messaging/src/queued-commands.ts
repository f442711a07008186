import { Injectable } from '@nestjs/common';
import { validateMessage, type CommandType, type MessageOf } from '@app/contracts';
import { NatsClient } from './nats-client';

/** the most queued commands read at once */
const MAX_READ = 100_000;

/**
 * Reads the commands of one type still waiting in ORCH_COMMANDS, oldest first, without
 * taking them (direct gets: the work queue's consumer still gets each one). For a service
 * that must know, when it starts, what was asked of it while it was down — before it acts
 * on the state it rebuilt (the pool-manager reads the lease renewals queued meanwhile
 * before it expires any lease).
 */
@Injectable()
export class QueuedCommands {
  constructor(private readonly nats: NatsClient) {}

  async read<T extends CommandType>(type: T): Promise<Array<MessageOf<T>>> {
    const subject = this.nats.subjects.command(type);
    const found: Array<MessageOf<T>> = [];
    let seq = 0;
    for (let read = 0; read < MAX_READ; read += 1) {
      const stored = await this.nats.jsm.direct.getMessage(this.nats.subjects.commandsStream, { seq: seq + 1, next_by_subj: subject });
      if (stored === null) break;
      seq = stored.seq;
      const validated = validateMessage(stored.data);
      // an invalid one is the consumer's to dead-letter
      if (validated.ok && validated.message.type === type) found.push(validated.message as MessageOf<T>);
    }
    return found;
  }
}
