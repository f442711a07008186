import { createAppLogger } from './app-logger';
import { withLogContext } from './log-context';

const TASK = '0199a0c4-7d2e-7c1a-9f00-000000000001';
const STAGE = '0199a0c4-7d2e-7c1a-9f00-000000000002';
const CORRELATION = '0199a0c4-7d2e-7c1a-9f00-000000000003';

function capture(env: NodeJS.ProcessEnv = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createAppLogger('orchestrator', env, { stdoutIsTty: false, destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}

describe('AppLogger', () => {
  it('given a line from a Nest Logger with a context, then it is one JSON object with the app, level, context and message', () => {
    const { logger, lines } = capture();
    logger.log(`Starting orchestration for task ${TASK}`, 'OrchestratorService');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', app: 'orchestrator', context: 'OrchestratorService', msg: `Starting orchestration for task ${TASK}`, taskId: TASK }),
    ]);
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('given the seed\'s log patterns, then each is written at its level', () => {
    const { logger, lines } = capture({ LOG_LEVEL: 'debug' });
    logger.log(`Starting orchestration for task ${TASK}`, 'OrchestratorService');
    logger.warn(`Container allocation failed, queuing task ${TASK} (position 1)`, 'PoolManager');
    logger.error(`Stage specification failed for task ${TASK}: exit 1`, 'OrchestratorService');
    logger.debug('Context passed to stage implementation: {"spec":"…"}', 'OrchestratorService');
    expect(lines.map((line) => line.level)).toEqual(['info', 'warn', 'error', 'debug']);
  });

  it('given a handler running with a log context, then every line carries its task, stage and correlation ids', () => {
    const { logger, lines } = capture();
    withLogContext({ taskId: TASK, stageId: STAGE, correlationId: CORRELATION, messageType: 'RunStage' }, () => logger.log('Running the agent', 'Runner'));
    logger.log('outside any handler', 'Runner');
    expect(lines[0]).toEqual(expect.objectContaining({ taskId: TASK, stageId: STAGE, correlationId: CORRELATION, messageType: 'RunStage' }));
    expect(lines[1]).not.toHaveProperty('taskId');
  });

  it('given LOG_LEVEL=warn, then info and debug lines are dropped', () => {
    const { logger, lines } = capture({ LOG_LEVEL: 'warn' });
    logger.log('started', 'App');
    logger.debug('details', 'App');
    logger.warn('careful', 'App');
    expect(lines.map((line) => line.msg)).toEqual(['careful']);
  });

  it('given Nest\'s per-module start-up lines, then they are debug, not info', () => {
    const { logger, lines } = capture();
    logger.log('GatewayModule dependencies initialized', 'InstanceLoader');
    logger.log('Nest application successfully started', 'NestApplication');
    expect(lines.map((line) => line.context)).toEqual(['NestApplication']);
  });

  it('given secrets in a message, a stack or an object, then none of them is written', () => {
    const key = 'sk-ant-api03-SECRETSECRETSECRET';
    const { logger, lines } = capture({ CLAUDE_API_KEY: key, API_TOKEN: 'bearer-token-123' });
    logger.log(`spawning with key ${key} and token bearer-token-123`, 'Runner');
    logger.error('boom', `Error: x\n    at run (sk-ant-other-KEY)`, 'Runner');
    logger.warn({ apiKey: key, url: 'postgres://app:hunter2@db:5432/app' }, 'Runner');
    const written = JSON.stringify(lines);
    expect(written).not.toContain('SECRETSECRET');
    expect(written).not.toContain('bearer-token-123');
    expect(written).not.toContain('other-KEY');
    expect(written).not.toContain('hunter2');
    expect(lines[2]).toEqual(expect.objectContaining({ details: { apiKey: '[redacted]', url: 'postgres://app:***@db:5432/app' } }));
  });

  it('given an error with a stack, then the stack is a field of the line, not the context', () => {
    const { logger, lines } = capture();
    const error = new Error('socket closed');
    logger.error('Projection stopped', error.stack, 'Projection');
    expect(lines[0]).toEqual(expect.objectContaining({ context: 'Projection', msg: 'Projection stopped', stack: expect.stringContaining('socket closed') }));
  });

  it('given a bad LOG_LEVEL or LOG_FORMAT, then creating the logger fails naming the variable', () => {
    expect(() => capture({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => capture({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });
});
