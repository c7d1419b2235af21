import 'reflect-metadata';
import type { AuthUser } from '../../src/common/auth.decorators';
import { viewOf } from '../../src/robot/robot.controller';

const user = (isAdmin: boolean): AuthUser => ({ id: 2, username: 'u', isAdmin, sessionId: 's' });
const token = (...scopes: string[]): AuthUser => ({
  id: 0,
  username: 'token:t',
  isAdmin: false,
  sessionId: '',
  token: { id: 1, name: 't', scopes },
});

describe('who sees a robot’s callback key (viewOf)', () => {
  it('shows it to users, who may change robots (the robot routes are not admin-only)', () => {
    expect(viewOf(user(true)).callbackKey).toBe(true);
    expect(viewOf(user(false)).callbackKey).toBe(true);
  });

  it('shows it to an API token with robots:write only', () => {
    expect(viewOf(token('robots:read')).callbackKey).toBe(false);
    expect(viewOf(token('robots:read', 'messages:send', 'plugins:write')).callbackKey).toBe(false);
    expect(viewOf(token('robots:read', 'robots:write')).callbackKey).toBe(true);
  });
});
