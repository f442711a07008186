import type { INestMicroservice } from '@nestjs/common';
import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { connectTestClient, eventually } from '../../../libs/testing/src/nats';
import { startTestOrchestrator, startTestSystem, type TestSystem } from '../../../test/support/system';
import { checkFaultInvariants } from './fault.support';
import { useSuite } from '../../support/suite';

const REDRIVE_S = 1;

/** Fault 14: the event a task waits on given up by the orchestrator's consumer (as after its dead letter); the periodic re-drive takes the task on. */
describe('fault 14: a saga event given up on', () => {
  let system: TestSystem;
  let client: NatsClient;
  let orchestrator: INestMicroservice | null = null;
  const start = () => startTestOrchestrator(system.messaging, { redriveIntervalS: REDRIVE_S });

  useSuite(async (keep) => {
    system = keep(await startTestSystem({ orchestrator: false }));
    orchestrator = await start();
    client = keep(await connectTestClient(system.messaging));
    keep(() => orchestrator?.close());
  });

  it("given a stage's StageCompleted taken off the orchestrator's consumer unhandled, then the re-drive handles it again and the task completes", async () => {
    const api = new ApiClient(system.baseUrl);
    const [taskId = ''] = await api.createAndStart(1, 'Its completion given up', 'Work [[fake:slow=300]]');
    const ofTask = async () => distinctEvents(await readEventLog(client, client.subjects.task(taskId))).map(({ event }) => event);
    await eventually(async () => ((await ofTask()).some((event) => event.type === 'StageStarted') ? true : undefined), 30_000, 'the specification running');

    // the orchestrator away while the runner reports the specification
    await orchestrator?.close();
    orchestrator = null;
    await eventually(async () => ((await ofTask()).some((event) => event.type === 'StageCompleted') ? true : undefined), 30_000, 'the specification completed');

    // that StageCompleted taken off the orchestrator's durable consumer and acked unhandled, as the transport does once its dead letter is stored
    const consumer = await client.js.consumers.get(client.subjects.eventsStream, 'orchestrator-tasks');
    let givenUp = 0;
    await eventually(
      async () => {
        const batch = await consumer.fetch({ max_messages: 100, expires: 1_000 });
        let found = false;
        for await (const message of batch) {
          message.ack();
          givenUp += 1;
          if (message.subject === client.subjects.task(taskId) && message.string().includes('"type":"StageCompleted"')) found = true;
        }
        return found ? true : undefined;
      },
      15_000,
      'the StageCompleted given up',
    );

    const restartedAt = Date.now();
    orchestrator = await start();
    const ended = await allTerminal(client, [taskId], 30_000);
    const report = await checkFaultInvariants(client, system, [taskId], { maxConcurrent: 2 });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: 1 });
    expect((await ofTask()).filter((event) => event.type === 'StageScheduled').map((event) => (event.type === 'StageScheduled' ? event.data.stageType : null))).toEqual([
      'specification',
      'implementation',
      'qa',
    ]);

    await recordFigures('fault-14-event-given-up', {
      fault: `the StageCompleted of a running task acked unhandled on the orchestrator's consumer (${givenUp} messages taken) while the orchestrator was stopped; restarted with ORCHESTRATOR_REDRIVE_S=${REDRIVE_S}`,
      outcomes: report.outcomes,
      secondsFromRestartToTerminal: (ended - restartedAt) / 1000,
      eventsChecked: report.eventsChecked,
      attemptsChecked: report.attemptsChecked,
      violations: report.violations.length,
    });
  }, 120_000);
});
