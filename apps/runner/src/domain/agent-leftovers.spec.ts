import { leftoverAction, type AgentRecord } from './agent-leftovers';

describe('agent leftovers', () => {
  const record: AgentRecord = { host: 'h1', agentPid: 4242, agentStartTime: '900', runnerPid: 4000, runnerStartTime: '800', taskId: 't', stageId: 's', attempt: 1 };

  it('given its runner still runs, then its agent is kept', () => {
    expect(leftoverAction(record, { agentStartTime: '900', runnerStartTime: '800' }, 'h1')).toBe('keep');
  });

  it('given another host recorded it, then it is kept (its pids mean nothing here)', () => {
    expect(leftoverAction(record, { agentStartTime: '900', runnerStartTime: null }, 'h2')).toBe('keep');
  });

  it('given its runner is gone and the agent runs with the recorded start time, then its group is ended', () => {
    expect(leftoverAction(record, { agentStartTime: '900', runnerStartTime: null }, 'h1')).toBe('end');
  });

  it("given the runner's pid now belongs to another process, then the runner counts as gone", () => {
    expect(leftoverAction(record, { agentStartTime: '900', runnerStartTime: '12345' }, 'h1')).toBe('end');
  });

  it('given its runner is gone and the agent itself has ended, then its group is ended (children it left may remain)', () => {
    expect(leftoverAction(record, { agentStartTime: null, runnerStartTime: null }, 'h1')).toBe('end');
  });

  it("given the agent's pid now belongs to a process started later, then nothing is killed and the record is forgotten", () => {
    expect(leftoverAction(record, { agentStartTime: '5000', runnerStartTime: null }, 'h1')).toBe('forget');
  });
});
