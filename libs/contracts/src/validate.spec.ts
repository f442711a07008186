import { newMessage } from './build';
import { deterministicId, uuidv7 } from './ids';
import { MESSAGE_CATALOGUE, MESSAGE_TYPES } from './messages';
import { validateEvent, validateMessage } from './validate';

const origin = { producer: 'spec', occurredAt: '2026-11-24T10:00:00.000Z' };
const taskId = '0190f0f0-0000-7000-8000-000000000001';

describe('validateMessage', () => {
  it('given a valid command as JSON text, then it returns the typed message', () => {
    const command = newMessage('StartOrchestration', taskId, { taskId }, origin);
    const result = validateMessage(JSON.stringify(command));
    expect(result).toEqual({ ok: true, message: command });
  });

  it.each([
    ['not JSON', '{nope', /^not JSON: /],
    ['an envelope without id', JSON.stringify({ kind: 'event' }), /^invalid envelope: id: /],
    ['an unknown type', JSON.stringify({ ...newMessage('StartOrchestration', taskId, { taskId }, origin), type: 'LaunchMissiles' }), /^unknown message type "LaunchMissiles"$/],
    ['a command labelled as an event', JSON.stringify({ ...newMessage('StartOrchestration', taskId, { taskId }, origin), kind: 'event' }), /^StartOrchestration is a command, not a event$/],
    ['a newer version', JSON.stringify({ ...newMessage('StartOrchestration', taskId, { taskId }, origin), version: 9 }), /newer than this service reads/],
    ['a bad field', JSON.stringify(newMessage('StartOrchestration', taskId, { taskId: 'x' } as never, origin)), /^invalid StartOrchestration: data\.taskId: Invalid UUID$/],
  ])('given %s, then it is refused with a reason naming the problem', (_case, raw, reason) => {
    const result = validateMessage(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it.each([
    ['no reason (the running deadline)', {}, 'deadline', 'timed out at 2026-11-24T10:30:00.000Z'],
    ['the heartbeat watchdog', { reason: 'the runner stopped heartbeating (none for 30 s)' }, 'heartbeat-lost', 'the runner stopped heartbeating (none for 30 s)'],
    ['the start deadline', { reason: "no runner started the attempt within the stage's 1800 s" }, 'never-started', "no runner started the attempt within the stage's 1800 s"],
    ["the runner's kill", { reason: "the agent ran longer than the stage's 1800 s and was killed" }, 'agent-timeout', "the agent ran longer than the stage's 1800 s and was killed"],
  ])('given a stored StageTimedOut of version 1 from %s, then it is read as version 2 with its cause and a reason', (_case, extra, cause, reason) => {
    const stageRef = { taskId, orchestrationId: taskId, stageId: taskId, stageType: 'qa' as const, attempt: 1 };
    const v1 = { ...newMessage('StageTimedOut', taskId, { ...stageRef, deadlineAt: '2026-11-24T10:30:00.000Z', timedOutAt: '2026-11-24T10:30:01.000Z', cause: 'deadline', reason: 'x' }, origin), version: 1 };
    const { cause: _cause, reason: _reason, ...dataV1 } = v1.data;
    const result = validateEvent(JSON.stringify({ ...v1, data: { ...dataV1, ...extra } }));
    expect(result).toEqual({ ok: true, event: expect.objectContaining({ version: 2, data: expect.objectContaining({ cause, reason }) }) });
  });

  it('given a command, when it is read as an event, then it is refused naming its type', () => {
    expect(validateEvent(JSON.stringify(newMessage('StartOrchestration', taskId, { taskId }, origin)))).toEqual({ ok: false, reason: 'StartOrchestration is a command on an event subject' });
  });

  it('every catalogue entry has a kind, a version and a schema', () => {
    for (const type of MESSAGE_TYPES) {
      const entry = MESSAGE_CATALOGUE[type];
      expect(['command', 'event']).toContain(entry.kind);
      expect(entry.version).toBeGreaterThanOrEqual(1);
    }
    expect(MESSAGE_TYPES).toEqual(expect.arrayContaining(['StartOrchestration', 'AcquireLease', 'RunStage', 'CancelRun', 'OrchestrationQueued', 'StageStarted', 'StageCompleted', 'StageFailed', 'StageTimedOut', 'LeaseGranted', 'LeaseReleased', 'RunHeartbeat', 'LeaseRequestRejected']));
  });
});

describe('ids', () => {
  it('deterministicId gives the same UUID for the same parts and another for other parts', () => {
    expect(deterministicId('a', 1)).toBe(deterministicId('a', 1));
    expect(deterministicId('a', 1)).not.toBe(deterministicId('a', 2));
    expect(deterministicId('a', 1)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('uuidv7 sorts by time', () => {
    const early = uuidv7(1_700_000_000_000);
    const late = uuidv7(1_700_000_000_001);
    expect(early < late).toBe(true);
    expect(early).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });
});
