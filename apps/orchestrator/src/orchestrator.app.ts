import type { INestMicroservice } from '@nestjs/common';
import { subjectsOf, startMicroservice } from '@app/messaging';
import type { OrchestratorConfig } from './orchestrator.config';
import { OrchestratorModule } from './orchestrator.module';

/** The orchestrator with its two durable consumers: its commands and every event. */
export function startOrchestrator(config: OrchestratorConfig): Promise<INestMicroservice> {
  const subjects = subjectsOf(config.messaging);
  return startMicroservice(OrchestratorModule.forRoot(config), {
    messaging: config.messaging,
    connectionName: 'orchestrator-consumers',
    consumers: [
      { durable: 'orchestrator-commands', stream: 'commands', filterSubject: subjects.commandsFor('orchestrator') },
      // events of different aggregates are followed side by side; one task's in order
      { durable: 'orchestrator-events', stream: 'events', filterSubject: subjects.allEvents, concurrency: 32 },
    ],
  });
}
