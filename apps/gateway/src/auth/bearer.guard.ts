import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Unauthorized } from '../errors/gateway.errors';
import { PUBLIC_ROUTE } from './public.decorator';
import { TokenVerifier } from './token.verifier';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * When API_TOKEN is set: mutating routes need `Authorization: Bearer <API_TOKEN>`, and so
 * do reads when API_READS_REQUIRE_TOKEN is true. Routes marked @Public() never do.
 */
@Injectable()
export class BearerGuard implements CanActivate {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || !this.verifier.enabled) return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (READ_METHODS.has(request.method) && !this.verifier.readsRequireToken) return true;
    const refusal = this.verifier.verifyHeader(request.headers.authorization);
    if (refusal !== null) throw new Unauthorized(refusal);
    return true;
  }
}
