import { combine } from './read-model.rows';

describe('combine: several writes as one statement', () => {
  it('given one statement, then it is sent as it is', () => {
    expect(combine([{ sql: 'UPDATE tasks SET title = $2 WHERE id = $1', params: ['t', 'x'] }])).toEqual({
      sql: 'UPDATE tasks SET title = $2 WHERE id = $1',
      params: ['t', 'x'],
    });
  });

  it('given three, then the first two become CTEs and each one’s placeholders move past the parameters before it', () => {
    const { sql, params } = combine([
      { sql: 'INSERT INTO a VALUES ($1, $2, $1)', params: [1, 2] },
      { sql: 'UPDATE b SET x = $2 WHERE id = $1', params: ['b', 'x'] },
      { sql: 'UPDATE c SET y = $1', params: ['y'] },
    ]);
    expect(sql).toBe('WITH s0 AS (INSERT INTO a VALUES ($1, $2, $1)), s1 AS (UPDATE b SET x = $4 WHERE id = $3) UPDATE c SET y = $5');
    expect(params).toEqual([1, 2, 'b', 'x', 'y']);
  });

  it('given $10 and beyond, then the whole number is moved, not its first digit', () => {
    const first = { sql: 'SELECT 1', params: Array.from({ length: 3 }, (_, i) => i) };
    expect(combine([first, { sql: 'UPDATE d SET z = $10, w = $1', params: Array.from({ length: 10 }, (_, i) => i) }]).sql).toBe(
      'WITH s0 AS (SELECT 1) UPDATE d SET z = $13, w = $4',
    );
  });
});
