import 'reflect-metadata';
import { bootOrExit } from '@app/messaging';
import { loadOrchestratorConfig } from './orchestrator.config';
import { startOrchestrator } from './orchestrator.app';

bootOrExit('orchestrator', () => startOrchestrator(loadOrchestratorConfig(process.env)));
