import { DataSource } from 'typeorm';
import { InitialSchema1732406400000 } from '../../../migrations/1732406400000-initial-schema';
import { ProjectionSupport1732406400001 } from '../../../migrations/1732406400001-projection-support';
import { PoolAndMetrics1732406400002 } from '../../../migrations/1732406400002-pool-and-metrics';
import { ProjectedEvents1732406400003 } from '../../../migrations/1732406400003-projected-events';
import { Projects1732406400004 } from '../../../migrations/1732406400004-projects';
import { StageDiffsAndWebhooks1732406400018 } from '../../../migrations/1732406400018-stage-diffs-and-webhooks';
import { Approval1732406400019 } from '../../../migrations/1732406400019-approval';
import { StageExecutors1732406400021 } from '../../../migrations/1732406400021-stage-executors';
import { QueueSettings1732406400022 } from '../../../migrations/1732406400022-queue-settings';
import { ParkedStages1732406400023 } from '../../../migrations/1732406400023-parked-stages';
import { ParkedCredentials1732406400024 } from '../../../migrations/1732406400024-parked-credentials';
import { DailyBudgets1732406400025 } from '../../../migrations/1732406400025-daily-budgets';
import { DeadLetterEntity } from './dead-letter.entity';
import { LeaseRequestEntity } from './lease-request.entity';
import { PoolSlotEntity } from './pool-slot.entity';
import { ProjectedEventEntity } from './projected-event.entity';
import { ProjectEntity } from './project.entity';
import { ProjectionCheckpointEntity } from './projection-checkpoint.entity';
import { StageEntity } from './stage.entity';
import { StageRunEntity } from './stage-run.entity';
import { TaskEntity } from './task.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';

/** milliseconds to wait for a connection before giving up on an unreachable server */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * A Postgres DataSource for `url`, not yet initialised. Entities and migrations are listed
 * as classes, not globs, so the same code works under jest and compiled in dist/. The
 * schema is the migrations' alone: no synchronize, and no extension installs (Postgres
 * 13+ has `gen_random_uuid()` built in).
 */
export function createDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: [TaskEntity, StageEntity, ProjectionCheckpointEntity, DeadLetterEntity, PoolSlotEntity, LeaseRequestEntity, StageRunEntity, ProjectedEventEntity, ProjectEntity, WebhookDeliveryEntity],
    migrations: [InitialSchema1732406400000, ProjectionSupport1732406400001, PoolAndMetrics1732406400002, ProjectedEvents1732406400003, Projects1732406400004, StageDiffsAndWebhooks1732406400018, Approval1732406400019, StageExecutors1732406400021, QueueSettings1732406400022, ParkedStages1732406400023, ParkedCredentials1732406400024, DailyBudgets1732406400025],
    synchronize: false,
    migrationsRun: false,
    uuidExtension: 'pgcrypto',
    installExtensions: false,
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
  });
}
