import { refNameProblem } from './ref-name.rule';

describe('the branch name rule (git check-ref-format --branch)', () => {
  it.each(['main', 'feature/x', 'release/v1.0', 'a@b', 'é-branch', 'x/-y', 'a.lock.b', 'refs/heads/x', 'HEAD/x', 'a{b}|c<d>!#%'])('given %j, then it is valid', (name) => {
    expect(refNameProblem(name)).toBeNull();
  });

  it.each([
    ['', 'must not be empty'],
    ['-x', 'must not start with "-"'],
    ['-', 'must not start with "-"'],
    ['a..b', 'must not contain ".."'],
    ['a b', 'must not contain a space'],
    ['a\u0000b', 'must not contain a control character (U+0000)'],
    ['a\tb', 'must not contain a control character (U+0009)'],
    ['a\u007fb', 'must not contain a control character (U+007F)'],
    ['a\u0085b', 'must not contain a control character (U+0085)'],
    ['a\ud800b', 'must not contain a lone surrogate'],
    ['a~b', 'must not contain "~"'],
    ['a^b', 'must not contain "^"'],
    ['a:b', 'must not contain ":"'],
    ['a?b', 'must not contain "?"'],
    ['a*b', 'must not contain "*"'],
    ['a[b', 'must not contain "["'],
    ['a\\b', 'must not contain "\\"'],
    ['a@{b', 'must not contain "@{"'],
    ['@{', 'must not contain "@{"'],
    ['a//b', 'must not contain "//"'],
    ['/a', 'must not start or end with "/"'],
    ['a/', 'must not start or end with "/"'],
    ['a.', 'must not end with "."'],
    ['foo/.', 'must not end with "."'],
    ['.a', 'must not have a part starting with "."'],
    ['a/.b', 'must not have a part starting with "."'],
    ['a.lock', 'must not have a part ending with ".lock"'],
    ['a/b.lock/c', 'must not have a part ending with ".lock"'],
    ['@', 'must not be "@"'],
    ['HEAD', 'must not be "HEAD"'],
    ['x'.repeat(256), 'must be at most 255 characters'],
  ])('given %j, then it is refused: %s', (name, problem) => {
    expect(refNameProblem(name)).toBe(problem);
  });
});
