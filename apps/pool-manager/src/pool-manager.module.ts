import { Module, type DynamicModule } from '@nestjs/common';
import { Clock } from '@app/config';
import { MessagingModule } from '@app/messaging';
import { selectPoolDriver } from './drivers/driver.selector';
import { PoolDriver } from './drivers/pool-driver';
import { LeaseHandler } from './handlers/lease.handler';
import { POOL_MANAGER_CONFIG, type PoolManagerConfig } from './pool-manager.config';
import { DockerRepository } from './repositories/docker.repository';
import { BusWatch } from './services/bus-watch.service';
import { LeaseService } from './services/lease.service';
import { PoolLog } from './services/pool-log.service';
import { PoolMaintenance } from './services/pool-maintenance.service';
import { PoolReconciler } from './services/pool-reconciler.service';
import { PoolStatusPublisher } from './services/pool-status.publisher';

@Module({})
export class PoolManagerModule {
  static forRoot(config: PoolManagerConfig): DynamicModule {
    return {
      module: PoolManagerModule,
      imports: [MessagingModule.forRoot(config.messaging, 'pool-manager')],
      controllers: [LeaseHandler],
      providers: [
        { provide: POOL_MANAGER_CONFIG, useValue: config },
        DockerRepository,
        { provide: PoolDriver, useFactory: (docker: DockerRepository) => selectPoolDriver(config, docker), inject: [DockerRepository] },
        Clock,
        PoolLog,
        LeaseService,
        PoolStatusPublisher,
        BusWatch,
        PoolReconciler,
        PoolMaintenance,
      ],
    };
  }
}
