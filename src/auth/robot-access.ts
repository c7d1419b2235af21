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
