import { io, type Socket } from 'socket.io-client';
import { BOARD_NAMESPACE, type BoardClientEvents, type BoardServerEvents, type LogBatch } from '@app/contracts';
import { api, type BenchSystem } from '../bench-system';
import { cpuTimes } from '../cpu';
import { distribution, type Distribution } from '../stats';

const LINE = /^bench-line (\d+) at (\d+(?:\.\d+)?)$/;
const STREAMED = /^streamed (\d+) lines in (\d+(?:\.\d+)?) s$/;

export interface StreamingFigures {
  agents: number;
  linesPerSecond: number;
  seconds: number;
  /** agent line written → the line in a `log` batch at one socket.io client watching every task */
  delivery: Distribution;
  /** lines the client received, of those the agents wrote */
  received: number;
  written: number;
  /** the slowest agent's own rate over its run, lines/s */
  slowestAgentRate: number;
  /** the runner's own CPU per line received, milliseconds (the agents' CPU is theirs) */
  runnerCpuPerLineMs: number;
  /** ORCH_LOGS afterwards: bytes and messages held, against its byte limit */
  logs: { bytes: number; messages: number; maxBytes: number };
}

/**
 * `agents` specification stages at once, each agent (bench/fixtures/streaming-claude.mjs)
 * writing `linesPerSecond` lines for `seconds`, watched by one Socket.IO client in every
 * task's room, as the board's task view is.
 */
export async function measureStreaming(system: BenchSystem, agents: number, linesPerSecond: number, seconds: number): Promise<StreamingFigures> {
  const taskIds: string[] = [];
  for (let i = 0; i < agents; i += 1) {
    taskIds.push((await api<{ id: string }>(system.baseUrl, 'POST', '/api/tasks', { title: `Streaming ${i} [[stream:${linesPerSecond},${seconds}]]` })).id);
  }
  const latencies: number[] = [];
  const socket: Socket<BoardServerEvents, BoardClientEvents> = io(`${system.baseUrl}${BOARD_NAMESPACE}`, { transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  socket.on('log', (batch: LogBatch) => {
    const at = performance.timeOrigin + performance.now();
    for (const line of batch.lines) {
      const content = (line.json?.['message'] as { content?: Array<{ text?: string }> } | undefined)?.content;
      const written = LINE.exec(content?.[0]?.text ?? '');
      if (written) latencies.push(at - Number(written[2]));
    }
  });
  await socket.timeout(10_000).emitWithAck('subscribe', { taskIds });
  const runnerPid = system.apps.runner.child.pid ?? 0;
  const cpuBefore = await cpuTimes(runnerPid);
  try {
    await Promise.all(taskIds.map((taskId) => api(system.baseUrl, 'POST', '/api/orchestrator/start', { taskId })));
    const outputs = await Promise.all(taskIds.map((taskId) => specificationOutput(system, taskId, seconds * 1000 + 120_000)));
    // the last batches are on their way to the client for a moment after the stage completed
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const cpuAfter = await cpuTimes(runnerPid);
    const rates = outputs.map((output) => {
      const match = STREAMED.exec(output);
      return match ? { lines: Number(match[1]), rate: Number(match[1]) / Number(match[2]) } : { lines: 0, rate: 0 };
    });
    const info = await system.client.jsm.streams.info(system.client.subjects.logsStream);
    const cpuMs = (cpuAfter.own - cpuBefore.own) * 1000;
    return {
      agents,
      linesPerSecond,
      seconds,
      delivery: distribution(latencies),
      received: latencies.length,
      written: rates.reduce((sum, { lines }) => sum + lines, 0),
      slowestAgentRate: Math.min(...rates.map(({ rate }) => rate)),
      runnerCpuPerLineMs: cpuMs / Math.max(1, latencies.length),
      logs: { bytes: info.state.bytes, messages: info.state.messages, maxBytes: info.config.max_bytes },
    };
  } finally {
    socket.disconnect();
  }
}

/** The specification stage's output once it completed (the agent's own account of its rate). */
async function specificationOutput(system: BenchSystem, taskId: string, withinMs: number): Promise<string> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const stages = await api<Array<{ stageType: string; status: string; commandOutput: string | null }>>(system.baseUrl, 'GET', `/api/orchestrator/stages/${taskId}`);
    const spec = stages.find((stage) => stage.stageType === 'specification' && stage.status === 'completed');
    if (spec) return spec.commandOutput ?? '';
    if (performance.now() > deadline) throw new Error(`task ${taskId}: its streaming specification did not complete within ${withinMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
