import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { forbidden, unauthorized } from '../common/domain-error';
import { ApiTokenService, isApiToken } from './api-token.service';
import { TOKEN_SCOPE } from './api-token.scopes';
import { ADMIN_ONLY, AuthUser, IS_PUBLIC } from '../common/auth.decorators';
import { assertRequestRobotAccess, EVERY_ROBOT } from './robot-access';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Global guard: every route needs a valid access token (JWT) or API token (`ogw_…`) unless it says @Public().
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiTokens: ApiTokenService,
  ) {
    super();
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()]);
    if (isPublic) return true;
    const req = ctx.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const bearer = BEARER.exec(req.headers.authorization ?? '')?.[1];
    if (bearer && isApiToken(bearer)) {
      const user = await this.apiTokens.authenticate(bearer, req.ip ?? req.socket.remoteAddress ?? null);
      if (!user) throw unauthorized('INVALID_TOKEN', 'API token is invalid, expired or revoked');
      req.user = user;
      return true;
    }
    return (await super.canActivate(ctx)) as boolean;
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

/**
 * Global guard after JwtAuthGuard. Users: routes or controllers marked @AdminOnly() need an admin. API tokens: only
 * routes that declare a @TokenScope the token holds, never /api/admin/* (deny by default); the admin flag plays no
 * part (a token with `plugins:write` may change plugins, which users need an admin for). A token limited to chosen
 * robots is also refused on the routes of other robots (the `robot_id` path parameter, a list's `robotId` filter) and
 * on routes that concern every robot (see robot-access.ts): one place, so a new route cannot forget it.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    const req = ctx.switchToHttp().getRequest<Request & { user?: AuthUser }>();
    const user = req.user;
    if (user?.token) {
      const scope = this.reflector.getAllAndOverride<string | undefined>(TOKEN_SCOPE, [
        ctx.getHandler(),
        ctx.getClass(),
      ]);
      // Express routes case-insensitively: /API/Admin reaches the admin routes too
      const path = (req.originalUrl ?? req.url ?? '').split('?')[0];
      if (!scope || /^\/api\/admin(\/|$)/i.test(path))
        throw forbidden('TOKEN_NOT_ALLOWED', 'API tokens cannot call this route; log in as a user');
      if (!user.token.scopes.includes(scope))
        throw forbidden('INSUFFICIENT_SCOPE', `This API token lacks the scope ${scope}`, { scope });
      const everyRobot = this.reflector.getAllAndOverride<boolean>(EVERY_ROBOT, [ctx.getHandler(), ctx.getClass()]);
      assertRequestRobotAccess(user, req.params, req.query, everyRobot === true);
      return true;
    }
    const adminOnly = this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, [ctx.getHandler(), ctx.getClass()]);
    if (!adminOnly) return true;
    if (!user?.isAdmin) throw forbidden('ADMIN_REQUIRED', 'This action needs an admin account');
    return true;
  }
}
