import type { INestMicroservice } from '@nestjs/common';
import { startMicroservice, subjectsOf } from '@app/messaging';
import type { PoolManagerConfig } from './pool-manager.config';
import { PoolManagerModule } from './pool-manager.module';

/** The pool-manager, consuming the lease commands. */
export function startPoolManager(config: PoolManagerConfig): Promise<INestMicroservice> {
  return startMicroservice(PoolManagerModule.forRoot(config), {
    messaging: config.messaging,
    connectionName: 'pool-manager-consumers',
    consumers: [{ durable: 'pool-manager-commands', stream: 'commands', filterSubject: subjectsOf(config.messaging).commandsFor('pool') }],
  });
}
