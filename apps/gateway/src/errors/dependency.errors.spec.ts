import { JetStreamApiError } from '@nats-io/jetstream';
import { asDependencyFailure } from './dependency.errors';

describe('asDependencyFailure', () => {
  it('given JetStream refusing a write because its store is full, when mapped, then it is nats unavailable with the reason', () => {
    const refused = new JetStreamApiError({ code: 503, err_code: 10023, description: 'insufficient resources' });

    const failure = asDependencyFailure(refused);

    expect(failure?.details).toEqual({ dependency: 'nats', reason: 'store full' });
    expect(failure?.message).toContain('insufficient resources');
  });

  it('given the event log at its message limit, when mapped, then it is nats unavailable too', () => {
    const refused = new JetStreamApiError({ code: 503, err_code: 10077, description: 'maximum messages exceeded' });

    expect(asDependencyFailure(refused)?.details).toEqual({ dependency: 'nats', reason: 'store full' });
  });

  it('given any other JetStream answer (a wrong last sequence), when mapped, then it is not a dependency failure', () => {
    const conflict = new JetStreamApiError({ code: 400, err_code: 10071, description: 'wrong last sequence: 3' });

    expect(asDependencyFailure(conflict)).toBeNull();
  });
});
