import { forgeRepositoryOf } from './forge-repository';

describe('forgeRepositoryOf', () => {
  it.each([
    ['https://github.com/acme/widgets.git', { owner: 'acme', name: 'widgets' }],
    ['https://github.example.com/acme/widgets', { owner: 'acme', name: 'widgets' }],
    ['ssh://git@github.com/acme/widgets.git', { owner: 'acme', name: 'widgets' }],
    ['git@github.com:acme/widgets.git', { owner: 'acme', name: 'widgets' }],
    ['http://x-access-token:secret@127.0.0.1:9000/acme/widgets.git', { owner: 'acme', name: 'widgets' }],
  ])('given %s, then it names the owner and the repository', (url, expected) => {
    expect(forgeRepositoryOf(url)).toEqual(expected);
  });

  it.each(['file:///srv/git/widgets.git', 'https://github.com/acme', 'https://github.com/acme/widgets/extra', 'not a url', 'https://github.com/../widgets'])(
    'given %s, then it names none',
    (url) => {
      expect(forgeRepositoryOf(url)).toBeNull();
    },
  );
});
