import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { forbidden, unauthorized } from '../common/domain-error';
import { ADMIN_ONLY, AuthUser, IS_PUBLIC } from './auth.decorators';

/** Global guard: every route needs a valid access token unless it says @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(ctx: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()]);
    if (isPublic) return true;
    return super.canActivate(ctx);
  }

  override handleRequest<T>(err: unknown, user: T, info: unknown): T {
    // An error is not a refusal: the session could not be checked (the database failed). Answer that (5xx), not
    // "invalid token", which would make a client throw away a good token.
    if (err) throw err instanceof Error ? err : new Error('the access token could not be checked');
    if (!user) {
      const missing = info instanceof Error && /no auth token/i.test(info.message);
      throw unauthorized(
        missing ? 'MISSING_TOKEN' : 'INVALID_TOKEN',
        missing
          ? 'Authentication required: send Authorization: Bearer <accessToken>'
          : 'Access token is invalid, expired or revoked',
      );
    }
    return user;
  }
}

/** Global guard after JwtAuthGuard: routes or controllers marked @AdminOnly() need an admin. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, [ctx.getHandler(), ctx.getClass()]);
    if (!adminOnly) return true;
    const user = ctx.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user?.isAdmin) throw forbidden('ADMIN_REQUIRED', 'This action needs an admin account');
    return true;
  }
}
