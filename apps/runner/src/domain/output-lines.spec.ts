import { BoundedTail, LineSplitter } from './output-lines';

describe('output lines', () => {
  describe('LineSplitter', () => {
    it('given chunks that split lines anywhere, then whole lines come out in order', () => {
      const splitter = new LineSplitter(100);
      expect(splitter.push('{"a":')).toEqual([]);
      expect(splitter.push('1}\n{"b":2}\r\n{"c"')).toEqual(['{"a":1}', '{"b":2}']);
      expect(splitter.push(':3}')).toEqual([]);
      expect(splitter.end()).toEqual(['{"c":3}']);
      expect(splitter.end()).toEqual([]);
    });

    it('given a line longer than the limit, then only the limit is held and the rest is counted', () => {
      const splitter = new LineSplitter(5);
      splitter.push('abc');
      expect(splitter.push('defghij\nok\n')).toEqual(['abcde … [5 more characters dropped]', 'ok']);
    });
  });

  describe('BoundedTail', () => {
    it('keeps the last lines within the limit', () => {
      const tail = new BoundedTail(12);
      for (const line of ['one', 'two', 'three', 'four']) tail.push(line);
      expect(tail.text()).toBe('three\nfour');
    });

    it('keeps the end of one overlong line', () => {
      const tail = new BoundedTail(4);
      tail.push('0123456789');
      expect(tail.text()).toBe('6789');
    });
  });
});
