import { loadGatewayConfig } from './gateway.config';

describe('gateway configuration: CORS_ORIGINS', () => {
  it('given none, then only the gateway\'s own origin is served (an empty list)', () => {
    expect(loadGatewayConfig({}).corsOrigins).toEqual([]);
  });

  it('given a comma list of origins, then they are read (a trailing slash dropped)', () => {
    expect(loadGatewayConfig({ CORS_ORIGINS: 'https://board.example, http://localhost:5173/' }).corsOrigins).toEqual(['https://board.example', 'http://localhost:5173']);
  });

  it.each(['board.example', 'https://board.example/path', '*'])('given %s, then the boot stops naming CORS_ORIGINS', (value) => {
    expect(() => loadGatewayConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS.*every entry must be an origin/s);
  });
});
