import type { AuthUser } from '../common/auth.decorators';
import { DomainError } from '../common/domain-error';
import { assertRequestRobotAccess, mayReachRobot, reachableRobots } from './robot-access';

const user: AuthUser = { id: 1, username: 'admin', isAdmin: true, sessionId: 's' };
const token = (robotIds: number[] | null): AuthUser => ({
  id: 0,
  username: 'token:crm',
  isAdmin: false,
  sessionId: '',
  token: { id: 7, name: 'crm', scopes: ['robots:read'], robotIds },
});

function refusal(fn: () => void): { status: number; code: string } | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { status: err.status, code: err.code };
  }
}

describe('robot access of API tokens', () => {
  it('lets users and unlimited tokens reach every robot, and a limited token only its robots', () => {
    expect(mayReachRobot(user, 4)).toBe(true);
    expect(mayReachRobot(token(null), 4)).toBe(true);
    expect(mayReachRobot(token([3]), 3)).toBe(true);
    expect(mayReachRobot(token([3]), 4)).toBe(false);
    expect(reachableRobots(user)).toBeNull();
    expect(reachableRobots(token(null))).toBeNull();
    expect(reachableRobots(token([3, 5]))).toEqual([3, 5]);
  });

  it('refuses a limited token the path and the list filter of another robot with 403 ROBOT_NOT_ALLOWED', () => {
    const limited = token([3]);
    expect(refusal(() => assertRequestRobotAccess(limited, { robot_id: '3' }, {}, false))).toBeNull();
    expect(refusal(() => assertRequestRobotAccess(limited, {}, { robotId: '3' }, false))).toBeNull();
    expect(refusal(() => assertRequestRobotAccess(limited, { robot_id: '4' }, {}, false))).toEqual({
      status: 403,
      code: 'ROBOT_NOT_ALLOWED',
    });
    expect(refusal(() => assertRequestRobotAccess(limited, {}, { robotId: '4' }, false))).toEqual({
      status: 403,
      code: 'ROBOT_NOT_ALLOWED',
    });
    // not an id: left to the route's own validation (400)
    expect(refusal(() => assertRequestRobotAccess(limited, { robot_id: 'abc' }, {}, false))).toBeNull();
  });

  it('closes the routes that concern every robot to a limited token only', () => {
    expect(refusal(() => assertRequestRobotAccess(token([3]), {}, {}, true))).toEqual({
      status: 403,
      code: 'TOKEN_ROBOT_LIMITED',
    });
    expect(refusal(() => assertRequestRobotAccess(token(null), { robot_id: '4' }, {}, true))).toBeNull();
    expect(refusal(() => assertRequestRobotAccess(user, { robot_id: '4' }, { robotId: '9' }, true))).toBeNull();
  });
});
