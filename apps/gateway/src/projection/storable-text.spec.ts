import { storableText, storableValue } from './storable-text';

describe('storable text', () => {
  it('given NUL and lone surrogates, then each becomes U+FFFD', () => {
    expect(storableText('a\u0000b\ud800c\udc00d')).toBe('a\ufffdb\ufffdc\ufffdd');
    expect(storableText('end\ud83d')).toBe('end\ufffd');
  });

  it('given well-formed text (a surrogate pair, controls other than NUL), then it is unchanged', () => {
    expect(storableText('😀 tab\there\nnewline é')).toBe('😀 tab\there\nnewline é');
  });

  it('given an event-like value, then every string in it is storable, keys too, and numbers, booleans and nulls stay', () => {
    const value = { title: 'x\u0000', nested: { list: ['\udfff', 3, true, null], ['k\u0000']: 'v' } };

    expect(storableValue(value)).toEqual({ title: 'x\ufffd', nested: { list: ['\ufffd', 3, true, null], ['k\ufffd']: 'v' } });
    expect(JSON.stringify(storableValue(value))).not.toMatch(/\\u0000|\\ud[89a-f]/);
  });
});
