// Jest reads `testTimeout` from the root config only (a project's own is ignored), so each
// tier that talks to real servers sets its default here, in its setupFilesAfterEnv.
jest.setTimeout(60_000);
