import { Logger } from '@nestjs/common';
import { UserService } from '../user/user.service';
import type { DataSource } from 'typeorm';
import type { JwtService } from '@nestjs/jwt';
import type { Repository } from 'typeorm';
import { FakeRepository } from '../../test/support/fake-repository';
import type { UserEntity } from '../user/user.entity';
import type { AuditEntry, AuditTrail } from '../audit/audit.service';
import { DomainError } from '../common/domain-error';
import { loadConfig } from '../config/app-config';
import type { AuthSessionEntity } from './auth-session.entity';
import type { AuthUser } from '../common/auth.decorators';
import { AccessClaims, AuthService, ClientInfo } from './auth.service';
import { LoginRateLimiter } from './login-rate-limiter';
import { MemoryRateLimitStore } from '../rate-limit/memory-rate-limit.store';
import type { PasswordHasher } from './password-hasher';
import { SessionService } from './session.service';

const T0 = new Date('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;
const CLIENT: ClientInfo = { ip: '203.0.113.9', userAgent: 'unit', requestId: 'req-1' };

/** bcrypt's contract without its cost: a hash names its password. */
class FakeHasher implements Pick<PasswordHasher, 'hash' | 'verify'> {
  hash(password: string): Promise<string> {
    return Promise.resolve(`h:${password}`);
  }
  verify(password: string, hash: string | null): Promise<boolean> {
    return Promise.resolve(hash !== null && hash === `h:${password}`);
  }
}

/** The audit trail's two entry points, kept in order. */
class FakeAudit implements Pick<AuditTrail, 'record' | 'note'> {
  readonly records: AuditEntry[] = [];
  readonly notes: Array<{ details: Record<string, unknown>; targetId?: string | number }> = [];
  record(e: AuditEntry): void {
    this.records.push(e);
  }
  note(details: Record<string, unknown>, targetId?: string | number): void {
    this.notes.push({ details, targetId });
  }
}

/** Signs nothing: the token is the claims, readable back by the spec. */
class FakeJwt implements Pick<JwtService, 'signAsync'> {
  signAsync(payload: string | object | Buffer): Promise<string> {
    return Promise.resolve(`jwt.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`);
  }
}
const claimsOf = (token: string): AccessClaims =>
  JSON.parse(Buffer.from(token.slice(4), 'base64url').toString()) as AccessClaims;

function user(id: number, username: string, password: string, extra: Partial<UserEntity> = {}): UserEntity {
  return {
    id,
    username,
    email: null,
    passwordHash: `h:${password}`,
    isActive: true,
    isAdmin: false,
    lastLoginAt: null,
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  };
}

function setup() {
  const config = loadConfig({
    path: null,
    env: {},
    overrides: {
      backend: {
        secret_key: 'unit-secret-key-0123456789abcdefghijklmnopqrstuvwxyz',
        access_token_ttl: '15m',
        refresh_token_ttl: '1h',
      },
    },
  }).config;
  const users = new FakeRepository<UserEntity>();
  users.rows.push(user(1, 'alice', 'alice-pass-1'), user(2, 'carol', 'carol-pass-1', { isActive: false }));
  const table = new FakeRepository<AuthSessionEntity>({
    user: (s) => users.rows.find((u) => u.id === s.userId) ?? null,
  });
  const sessions = new SessionService(table as unknown as Repository<AuthSessionEntity>, config);
  const audit = new FakeAudit();
  const auth = new AuthService(
    // the users table through its owner; the data source is only for the first admin's transaction, unused here
    new UserService(users as unknown as Repository<UserEntity>, null as unknown as DataSource),
    config,
    new FakeJwt() as unknown as JwtService,
    sessions,
    new FakeHasher() as unknown as PasswordHasher,
    new LoginRateLimiter(config, new MemoryRateLimitStore()),
    audit as unknown as AuditTrail,
  );
  /** The caller an access token stands for, as the JWT strategy resolves it (null: refused). */
  const caller = (accessToken: string) => auth.validateAccess(claimsOf(accessToken));
  return { auth, users, table, audit, caller };
}

async function refused(p: Promise<unknown>): Promise<{ code: string; status: number }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return { code: err.code, status: err.status };
}

describe('AuthService', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    for (const level of ['log', 'warn'] as const)
      jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('login issues a session: an access token naming it, its refresh token, the user without the hash', async () => {
    const { auth, users, table, audit, caller } = setup();
    const res = await auth.login('alice', 'alice-pass-1', CLIENT);
    const sid = res.refreshToken.split('.')[0];
    expect(table.rows.map((s) => [s.id, s.userId, s.ip, s.userAgent])).toEqual([[sid, 1, CLIENT.ip, 'unit']]);
    expect(claimsOf(res.accessToken)).toEqual({ sub: 1, sid, typ: 'access' });
    expect(res).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshExpiresIn: 3600 });
    expect(res.user).toMatchObject({ id: 1, username: 'alice', lastLoginAt: T0.toISOString() });
    expect(JSON.stringify(res)).not.toContain('h:alice');
    expect(users.rows[0].lastLoginAt).toEqual(T0);
    expect(audit.records).toMatchObject([{ action: 'auth.login', result: 'ok', details: { sessionId: sid } }]);
    expect(await caller(res.accessToken)).toEqual({ id: 1, username: 'alice', isAdmin: false, sessionId: sid });
  });

  it('answers a wrong password, an unknown user and a disabled user alike, and opens no session', async () => {
    const { auth, table, audit } = setup();
    for (const [name, pass] of [
      ['alice', 'wrong-pass'],
      ['nobody', 'alice-pass-1'],
      ['carol', 'carol-pass-1'],
    ])
      expect(await refused(auth.login(name, pass, CLIENT))).toEqual({ code: 'INVALID_CREDENTIALS', status: 401 });
    expect(table.rows).toHaveLength(0);
    expect(audit.records.map((r) => [r.result, r.details?.reason])).toEqual([
      ['failed', 'bad password'],
      ['failed', 'unknown user'],
      ['failed', 'disabled'],
    ]);
  });

  it('refresh rotates: new tokens for the same session, and the old refresh token is refused afterwards', async () => {
    const { auth, caller } = setup();
    const first = await auth.login('alice', 'alice-pass-1', CLIENT);
    const second = await auth.refresh(first.refreshToken, CLIENT);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(claimsOf(second.accessToken).sid).toBe(claimsOf(first.accessToken).sid);
    expect(await caller(second.accessToken)).not.toBeNull();
    expect(await refused(auth.refresh(first.refreshToken, CLIENT))).toEqual({
      code: 'REFRESH_TOKEN_REUSED',
      status: 401,
    });
  });

  it('a reused refresh token ends the session for every holder of its tokens, and is audited once', async () => {
    const { auth, audit, caller } = setup();
    const first = await auth.login('alice', 'alice-pass-1', CLIENT);
    const second = await auth.refresh(first.refreshToken, CLIENT);
    const thief: ClientInfo = { ip: '198.51.100.7', userAgent: 'curl', requestId: 'req-thief' };

    expect((await refused(auth.refresh(first.refreshToken, thief))).code).toBe('REFRESH_TOKEN_REUSED');
    expect(await caller(second.accessToken)).toBeNull();
    expect(await caller(first.accessToken)).toBeNull();
    expect((await refused(auth.refresh(second.refreshToken, CLIENT))).code).toBe('INVALID_REFRESH_TOKEN');
    expect((await refused(auth.refresh(first.refreshToken, thief))).code).toBe('INVALID_REFRESH_TOKEN');

    const reuse = audit.records.filter((r) => r.action === 'auth.refresh_reuse');
    expect(reuse).toEqual([
      expect.objectContaining({
        actor: { userId: 1, username: 'alice' },
        targetType: 'session',
        targetId: claimsOf(first.accessToken).sid,
        result: 'failed',
        status: 401,
        ip: thief.ip,
        requestId: 'req-thief',
      }),
    ]);
  });

  it('refuses an expired refresh token as invalid (not as a reuse)', async () => {
    const { auth, audit } = setup();
    const s = await auth.login('alice', 'alice-pass-1', CLIENT);
    jest.setSystemTime(new Date(T0.getTime() + HOUR));
    expect(await refused(auth.refresh(s.refreshToken, CLIENT))).toEqual({ code: 'INVALID_REFRESH_TOKEN', status: 401 });
    expect(audit.records.filter((r) => r.action === 'auth.refresh_reuse')).toEqual([]);
  });

  it('refuses a refresh for a user disabled since the login, and ends that session', async () => {
    const { auth, users, caller } = setup();
    const s = await auth.login('alice', 'alice-pass-1', CLIENT);
    users.rows[0].isActive = false;
    expect((await refused(auth.refresh(s.refreshToken, CLIENT))).code).toBe('INVALID_REFRESH_TOKEN');
    users.rows[0].isActive = true;
    expect(await caller(s.accessToken)).toBeNull();
  });

  it('logout revokes the session: its access token and its refresh token stop working', async () => {
    const { auth, caller } = setup();
    const s = await auth.login('alice', 'alice-pass-1', CLIENT);
    const me = (await caller(s.accessToken))!;
    await auth.logout(me);
    expect(await caller(s.accessToken)).toBeNull();
    expect((await refused(auth.refresh(s.refreshToken, CLIENT))).code).toBe('INVALID_REFRESH_TOKEN');
  });

  it('a password change ends the other sessions of the user, keeps the caller’s, and needs the current password', async () => {
    const { auth, users, audit, caller } = setup();
    const mine = await auth.login('alice', 'alice-pass-1', CLIENT);
    const other = await auth.login('alice', 'alice-pass-1', CLIENT);
    const me = (await caller(mine.accessToken)) as AuthUser;

    expect(await refused(auth.changePassword(me, { currentPassword: 'wrong', newPassword: 'alice-pass-2' }))).toEqual({
      code: 'INVALID_CREDENTIALS',
      status: 401,
    });
    expect(await caller(other.accessToken)).not.toBeNull();

    expect(await auth.changePassword(me, { currentPassword: 'alice-pass-1', newPassword: 'alice-pass-2' })).toBe(1);
    expect(users.rows[0].passwordHash).toBe('h:alice-pass-2');
    expect(await caller(mine.accessToken)).not.toBeNull();
    expect(await caller(other.accessToken)).toBeNull();
    expect((await refused(auth.refresh(other.refreshToken, CLIENT))).code).toBe('INVALID_REFRESH_TOKEN');
    expect(audit.notes).toContainEqual({ details: { sessionsEnded: 1 }, targetId: 1 });
    expect((await refused(auth.login('alice', 'alice-pass-1', CLIENT))).code).toBe('INVALID_CREDENTIALS');
    await auth.login('alice', 'alice-pass-2', CLIENT);
  });

  it('validateAccess accepts only access claims whose session is live and names its user', async () => {
    const { auth, users } = setup();
    const s = await auth.login('alice', 'alice-pass-1', CLIENT);
    const claims = claimsOf(s.accessToken);
    expect(await auth.validateAccess(claims)).not.toBeNull();
    expect(await auth.validateAccess({ ...claims, typ: 'refresh' as 'access' })).toBeNull();
    expect(await auth.validateAccess({ ...claims, sub: 2 })).toBeNull();
    expect(await auth.validateAccess({ ...claims, sid: 'no-such-session' })).toBeNull();
    users.rows[0].isActive = false;
    expect(await auth.validateAccess(claims)).toBeNull();
  });
});
