// Harnesses that start the apps (in-process or as processes): they import apps/, so they live
// here, beside the tests, and not in libs/testing (factories and fakes only).
export * from './lease-scenarios';
export * from './pool-harness';
export * from './runner-harness';
export * from './suite';
