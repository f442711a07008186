import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Unauthorized } from '../errors/gateway.errors';
import { PUBLIC_ROUTE } from './public.decorator';
import { ANONYMOUS, TokenVerifier } from './token.verifier';

/** A request the guard let through, with the name of the token it carried. */
export interface ActingRequest extends Request {
  actor?: string;
}

/** The name of the token the request carried (`anonymous` on an open gateway or a read without one): a decision's `by`. */
export const Actor = createParamDecorator((_data: unknown, context: ExecutionContext): string => context.switchToHttp().getRequest<ActingRequest>().actor ?? ANONYMOUS);

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * When API_TOKEN or API_TOKENS is set: mutating routes need `Authorization: Bearer <token>`,
 * and so do reads when API_READS_REQUIRE_TOKEN is true. Routes marked @Public() never do.
 * The token's name goes on the request (`@Actor()`).
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
    const request = context.switchToHttp().getRequest<ActingRequest>();
    if (READ_METHODS.has(request.method) && !this.verifier.readsRequireToken) return true;
    const identity = this.verifier.identifyHeader(request.headers.authorization);
    if ('refused' in identity) throw new Unauthorized(identity.refused);
    request.actor = identity.name;
    return true;
  }
}
