import type { INestMicroservice } from '@nestjs/common';
import { subjectsOf, startMicroservice } from '@app/messaging';
import type { OrchestratorConfig } from './orchestrator.config';
import { OrchestratorModule } from './orchestrator.module';

/**
 * The orchestrator with its durable consumers: its commands, and the events it follows by
 * subject — tasks, admissions, leases, heartbeats — so it is never delivered the pools'
 * status reports or anything else it would only acknowledge.
 */
export function startOrchestrator(config: OrchestratorConfig): Promise<INestMicroservice> {
  const subjects = subjectsOf(config.messaging);
  return startMicroservice(OrchestratorModule.forRoot(config), {
    messaging: config.messaging,
    connectionName: 'orchestrator-consumers',
    consumers: [
      { durable: 'orchestrator-commands', stream: 'commands', filterSubject: subjects.commandsFor('orchestrator') },
      // events of different aggregates are followed side by side; one task's in order
      { durable: 'orchestrator-tasks', stream: 'events', filterSubject: subjects.allTasks, concurrency: 32 },
      { durable: 'orchestrator-scheduler', stream: 'events', filterSubject: subjects.scheduler },
      { durable: 'orchestrator-leases', stream: 'events', filterSubject: subjects.allPools },
      { durable: 'orchestrator-heartbeats', stream: 'heartbeats', filterSubject: subjects.allHeartbeats, concurrency: 32 },
    ],
    // the one consumer of every event these replace, and the heartbeats' consumer from when they were in ORCH_EVENTS
    retiredConsumers: [
      { durable: 'orchestrator-events', stream: 'events' },
      { durable: 'orchestrator-heartbeats', stream: 'events' },
    ],
  });
}
