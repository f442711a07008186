import type { INestMicroservice } from '@nestjs/common';
import { subjectsOf, startMicroservice } from '@app/messaging';
import type { OrchestratorConfig } from './orchestrator.config';
import { OrchestratorModule } from './orchestrator.module';
import type { FollowedConsumer } from './domain/followed-events';

/**
 * The orchestrator with its durable consumers: its commands, and the events it follows by
 * subject — tasks, admissions, leases, heartbeats — so it is never delivered the pools'
 * status reports or anything else it would only acknowledge.
 */
export function startOrchestrator(config: OrchestratorConfig): Promise<INestMicroservice> {
  const subjects = subjectsOf(config.messaging);
  // one durable consumer per group of FOLLOWED_EVENTS: a new group fails to compile here until it has its filter
  const followed = {
    // events of different aggregates are followed side by side; one task's in order
    tasks: { durable: 'orchestrator-tasks', stream: 'events', filterSubject: subjects.allTasks, concurrency: 32 },
    scheduler: { durable: 'orchestrator-scheduler', stream: 'events', filterSubject: subjects.scheduler },
    leases: { durable: 'orchestrator-leases', stream: 'events', filterSubject: subjects.allPools },
    heartbeats: { durable: 'orchestrator-heartbeats', stream: 'heartbeats', filterSubject: subjects.allHeartbeats, concurrency: 32 },
  } as const satisfies Record<FollowedConsumer, { durable: string; stream: string; filterSubject: string; concurrency?: number }>;
  return startMicroservice(OrchestratorModule.forRoot(config), {
    messaging: config.messaging,
    connectionName: 'orchestrator-consumers',
    consumers: [
      { durable: 'orchestrator-commands', stream: 'commands', filterSubject: subjects.commandsFor('orchestrator') },
      ...Object.values(followed),
    ],
    // the one consumer of every event these replace, and the heartbeats' consumer from when they were in ORCH_EVENTS
    retiredConsumers: [
      { durable: 'orchestrator-events', stream: 'events' },
      { durable: 'orchestrator-heartbeats', stream: 'events' },
    ],
  });
}
