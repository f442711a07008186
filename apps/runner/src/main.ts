import 'reflect-metadata';
import { bootOrExit } from '@app/messaging';
import { loadRunnerConfig } from './runner.config';
import { startRunner } from './runner.app';

bootOrExit('runner', () => startRunner(loadRunnerConfig(process.env)));
