import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';

export const IS_PUBLIC = 'auth:public';
export const ADMIN_ONLY = 'auth:admin';

/** Opens a route to anonymous callers. Everything else needs a valid access token (deny by default). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Restricts a controller or route to admins. */
export const AdminOnly = () => SetMetadata(ADMIN_ONLY, true);

/** The authenticated caller, as the JWT strategy resolved it from the database on this request. */
export interface AuthUser {
  id: number;
  username: string;
  isAdmin: boolean;
  sessionId: string;
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  return ctx.switchToHttp().getRequest<Request & { user: AuthUser }>().user;
});
