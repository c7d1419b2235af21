import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { forbidden } from '../common/domain-error';
import type { AuthUser } from '../common/auth.decorators';

/** Whether the caller may reach robot `robotId`: users always (roles decide), API tokens when not limited or listed. */
export function mayReachRobot(user: AuthUser | undefined, robotId: number): boolean {
  const limit = user?.token?.robotIds;
  return !limit || limit.includes(robotId);
}

/** Refuses (403 ROBOT_NOT_ALLOWED) an API token limited to other robots. */
export function assertRobotAccess(user: AuthUser | undefined, robotId: number): void {
  if (!mayReachRobot(user, robotId))
    throw forbidden('ROBOT_NOT_ALLOWED', `This API token may not reach robot ${robotId}`, { id: robotId });
}

/**
 * The robots a list may show the caller: null for every robot (users, unlimited tokens), else the token's robots.
 * Services filter their lists with it, so a limited token never learns of another robot's rows.
 */
export function reachableRobots(user: AuthUser | undefined): readonly number[] | null {
  return user?.token?.robotIds ?? null;
}

export const EVERY_ROBOT = 'auth:every-robot';

/**
 * Marks a route that concerns every robot at once (creating a robot, a plugin's global switch or config): an API
 * token limited to chosen robots is refused there (403 TOKEN_ROBOT_LIMITED). Shown on the operation as
 * `x-every-robot: true`.
 */
export const ConcernsEveryRobot = () =>
  applyDecorators(SetMetadata(EVERY_ROBOT, true), ApiExtension('x-every-robot', true));

/** The path parameter that names a robot, on every route that reaches one (`/robots/{robot_id}/…`). */
export const ROBOT_PARAM = 'robot_id';
/** The query filter that names a robot on the lists (`?robotId=`). */
export const ROBOT_QUERY = 'robotId';

/**
 * The one check of a token's robot limit for a request, after its scope was checked: a robot named by the path
 * (`robot_id`) or by a list's `robotId` filter must be one of the token's robots, and a route that concerns every
 * robot is closed to a limited token. A value that is not an id is left to the route's validation (400).
 */
export function assertRequestRobotAccess(
  user: AuthUser,
  params: Record<string, unknown> | undefined,
  query: Record<string, unknown> | undefined,
  concernsEveryRobot: boolean,
): void {
  if (!user.token?.robotIds) return;
  if (concernsEveryRobot)
    throw forbidden(
      'TOKEN_ROBOT_LIMITED',
      'This API token is limited to chosen robots; this route concerns every robot',
    );
  for (const raw of [params?.[ROBOT_PARAM], query?.[ROBOT_QUERY]]) {
    const id = typeof raw === 'string' && /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
    if (Number.isSafeInteger(id) && id > 0) assertRobotAccess(user, id);
  }
}
