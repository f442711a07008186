import type { INestMicroservice } from '@nestjs/common';
import { startMicroservice, subjectsOf } from '@app/messaging';
import { withPoolDefaults, type PoolManagerOptions } from './pool-manager.config';
import { PoolManagerModule } from './pool-manager.module';

/** The pool-manager: reconciles its pool, then consumes the lease commands. */
export function startPoolManager(options: PoolManagerOptions): Promise<INestMicroservice> {
  const config = withPoolDefaults(options);
  return startMicroservice(PoolManagerModule.forRoot(config), {
    messaging: config.messaging,
    connectionName: 'pool-manager-consumers',
    consumers: [{ durable: 'pool-manager-commands', stream: 'commands', filterSubject: subjectsOf(config.messaging).commandsFor('pool') }],
  });
}
