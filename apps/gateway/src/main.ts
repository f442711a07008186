import 'reflect-metadata';
import { bootOrExit } from '@app/messaging';
import { loadGatewayConfig } from './gateway.config';
import { startGateway } from './gateway.app';

bootOrExit('gateway', () => startGateway(loadGatewayConfig(process.env)));
