import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Request } from 'express';

export const IS_PUBLIC = 'auth:public';
export const ADMIN_ONLY = 'auth:admin';

/** Opens a route to anonymous callers. Everything else needs a valid access token (deny by default). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Restricts a controller or route to admins. Shown on the operation as `x-admin-only: true`. */
export const AdminOnly = () => applyDecorators(SetMetadata(ADMIN_ONLY, true), ApiExtension('x-admin-only', true));

/** The authenticated caller, as the JWT strategy resolved it from the database on this request. */
export interface AuthUser {
  id: number;
  username: string;
  isAdmin: boolean;
  sessionId: string;
  /** Set when the caller is an API token rather than a logged-in user (then id is 0 and sessionId empty). */
  token?: {
    id: number;
    name: string;
    scopes: readonly string[];
    /** The robots the token may reach; null: every robot. */
    robotIds?: readonly number[] | null;
  };
}

export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser => {
  return ctx.switchToHttp().getRequest<Request & { user: AuthUser }>().user;
});
