import type { AgentLogEntry, MessageOf } from '@app/contracts';
import { factory } from '@app/testing';
import type { MessagePublisher } from '@app/messaging';
import { LogShipper } from './log-shipper';

const HIGH_WATER_BYTES = 2 * 1024 * 1024;

describe('LogShipper', () => {
  it('given lines whose text entry repeats their text, when the publisher does not answer, then the output is paused before the lines waiting (text, JSON and entries) pass the 2 MiB high water', () => {
    const command = { id: factory.ids.command(1), correlationId: factory.ids.command(1), data: { taskId: factory.ids.task(1), stageId: factory.ids.stage('implementation', 0, 1), attempt: 1 } } as unknown as MessageOf<'RunStage'>;
    const publisher = { log: () => new Promise<void>(() => undefined) } as unknown as MessagePublisher;
    let paused = false;
    const shipper = new LogShipper(publisher, command, 'runner-test', 1_000, () => '2026-12-01T12:00:00.000Z', (pause) => (paused = pause));
    const words = 'lorem ipsum dolor sit amet '.repeat(38);
    const json = { type: 'assistant', message: { content: [{ type: 'text', text: words }] } };
    const text = JSON.stringify(json);
    const entries: AgentLogEntry[] = [{ kind: 'text', text: words }];
    const heldPerLine = Buffer.byteLength(text) + Buffer.byteLength(JSON.stringify(json)) + Buffer.byteLength(words);

    let lines = 0;
    while (!paused && lines < 10_000) {
      shipper.add('stdout', text, json, entries);
      lines += 1;
    }

    expect(paused).toBe(true);
    expect(lines * heldPerLine).toBeLessThanOrEqual(HIGH_WATER_BYTES + heldPerLine);
  });
});
