import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { Clock } from '@app/config';
import { MessagingModule } from '@app/messaging';
import { LocalPoolDriver } from './drivers/local.driver';
import { PoolDriver } from './drivers/pool-driver';
import { LeaseHandler } from './handlers/lease.handler';
import { POOL_MANAGER_CONFIG, type PoolManagerConfig } from './pool-manager.config';
import { LeaseService } from './services/lease.service';

function chooseDriver(config: PoolManagerConfig): PoolDriver {
  const logger = new Logger('PoolManager');
  if (config.driver !== 'local') {
    logger.warn(`POOL_DRIVER=${config.driver}: the Docker driver is not built yet, using the local driver`);
  } else {
    logger.log('Using the local driver (POOL_DRIVER=local): each slot is a port and a directory');
  }
  return new LocalPoolDriver(config.size, config.portStart, config.slotsDir);
}

@Module({})
export class PoolManagerModule {
  static forRoot(config: PoolManagerConfig): DynamicModule {
    return {
      module: PoolManagerModule,
      imports: [MessagingModule.forRoot(config.messaging, 'pool-manager')],
      controllers: [LeaseHandler],
      providers: [
        { provide: POOL_MANAGER_CONFIG, useValue: config },
        { provide: PoolDriver, useFactory: () => chooseDriver(config) },
        Clock,
        LeaseService,
      ],
    };
  }
}
