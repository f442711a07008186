import 'reflect-metadata';
import { bootOrExit } from '@app/messaging';
import { loadGatewayConfig } from '../gateway.config';
import { rebuildProjection } from './projection-rebuild.module';

bootOrExit('projection-rebuild', () => rebuildProjection(loadGatewayConfig(process.env)));
