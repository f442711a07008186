import { inlined } from './read-model.rows';

describe('inlined: a statement with its parameters as literals', () => {
  it('given text with quotes and backslashes, then each is one quoted literal that cannot end early', () => {
    expect(inlined('UPDATE tasks SET title = $2 WHERE id = $1', ['t', `x'); DELETE FROM tasks; --`])).toBe(
      `UPDATE tasks SET title = 'x''); DELETE FROM tasks; --' WHERE id = 't'`,
    );
    // node-postgres writes a literal with a backslash in the E'' form, every backslash doubled
    expect(inlined('SELECT $1', ['a\\b'])).toBe(`SELECT  E'a\\\\b'`);
  });

  it('given numbers, booleans and null, then their text quoted (typed by their place, as an untyped parameter is) and NULL', () => {
    expect(inlined('VALUES ($1, $2, $3, $4)', [1.5, -2, true, null])).toBe(`VALUES ('1.5', '-2', 'true', NULL)`);
  });

  it('given $10 and beyond, then the whole number picks the parameter, not its first digit', () => {
    const params = Array.from({ length: 10 }, (_, index) => `p${index + 1}`);
    expect(inlined('SELECT $10, $1', params)).toBe(`SELECT 'p10', 'p1'`);
  });

  it('given a placeholder without its parameter or an object, then it throws instead of writing something else', () => {
    expect(() => inlined('SELECT $2', ['only one'])).toThrow(RangeError);
    expect(() => inlined('SELECT $1', [{ a: 1 }])).toThrow(TypeError);
  });
});
