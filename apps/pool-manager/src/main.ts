import 'reflect-metadata';
import { bootOrExit } from '@app/messaging';
import { loadPoolManagerConfig } from './pool-manager.config';
import { startPoolManager } from './pool-manager.app';

bootOrExit('pool-manager', () => startPoolManager(loadPoolManagerConfig(process.env)));
