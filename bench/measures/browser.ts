import { io, type Socket } from 'socket.io-client';
import { BOARD_NAMESPACE, newMessage, uuidv7, type BoardClientEvents, type BoardServerEvents, type OrchEvent, type TaskUpdate } from '@app/contracts';
import { MessagePublisher } from '@app/messaging';
import type { BenchSystem } from '../bench-system';
import { distribution, type Distribution } from '../stats';

/**
 * Event → browser: an event appended to ORCH_EVENTS with a plain publisher, until each of
 * `clients` Socket.IO clients on the board namespace receives the task-update it causes.
 */
export async function measureEventToBrowser(system: BenchSystem, clients: number, rounds: number): Promise<Distribution> {
  const sockets: Array<Socket<BoardServerEvents, BoardClientEvents>> = [];
  const waiting = new Map<string, { started: number; remaining: number; resolve: () => void }>();
  const samples: number[] = [];
  const onUpdate = (update: TaskUpdate) => {
    const entry = waiting.get(update.taskId);
    if (!entry || update.cause !== 'TaskCreated') return;
    samples.push(performance.now() - entry.started);
    entry.remaining -= 1;
    if (entry.remaining === 0) {
      waiting.delete(update.taskId);
      entry.resolve();
    }
  };
  for (let i = 0; i < clients; i += 1) {
    const socket: Socket<BoardServerEvents, BoardClientEvents> = io(`${system.baseUrl}${BOARD_NAMESPACE}`, { transports: ['websocket'], reconnection: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    socket.on('task-update', onUpdate);
    await socket.timeout(10_000).emitWithAck('subscribe', { board: true });
    sockets.push(socket);
  }
  const publisher = new MessagePublisher(system.client);
  try {
    for (let round = 0; round < rounds; round += 1) {
      const taskId = uuidv7();
      const event = newMessage('TaskCreated', taskId, { taskId, title: `Socket ${round}`, description: '', repoPath: null, baseBranch: null }, { producer: 'bench', occurredAt: new Date().toISOString() });
      const received = new Promise<void>((resolve) => waiting.set(taskId, { started: performance.now(), remaining: clients, resolve }));
      await publisher.append(event as OrchEvent, 0);
      await Promise.race([received, new Promise((_, reject) => setTimeout(() => reject(new Error('no task-update within 10 s')), 10_000))]);
    }
  } finally {
    for (const socket of sockets) socket.disconnect();
  }
  return distribution(samples);
}
