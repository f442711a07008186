// The fault tests' default (see timeout-60s.setup.ts for why it is set here).
jest.setTimeout(120_000);
