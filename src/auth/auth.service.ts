import { Inject, Injectable, Logger } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { UserResponseDto } from '../user/dto/user-response.dto';
import type { UserEntity } from '../user/user.entity';
import { UserService } from '../user/user.service';
import { AuditTrail } from '../audit/audit.service';
import { DomainError, unauthorized } from '../common/domain-error';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { AuthUser } from '../common/auth.decorators';
import { ChangePasswordDto, TokenResponseDto } from './dto/auth.dto';
import { LoginRateLimiter } from './login-rate-limiter';
import { PasswordHasher } from './password-hasher';
import { IssuedRefresh, SessionService } from './session.service';

/** Claims of an access token. `typ` keeps any other JWT we might sign from being accepted as one. */
export interface AccessClaims {
  sub: number;
  sid: string;
  typ: 'access';
}

export interface ClientInfo {
  ip: string;
  userAgent: string | null;
  requestId?: string | null;
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly users: UserService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly sessions: SessionService,
    private readonly hasher: PasswordHasher,
    private readonly limiter: LoginRateLimiter,
    private readonly audit: AuditTrail,
  ) {}

  async login(username: string, password: string, client: ClientInfo): Promise<TokenResponseDto> {
    const audit = (result: 'ok' | 'failed', status: number, userId: number | null, details: Record<string, unknown>) =>
      this.audit.record({
        action: 'auth.login',
        actor: { userId, username },
        targetType: 'user',
        targetId: userId,
        result,
        status,
        ip: client.ip,
        requestId: client.requestId,
        details: { ...details, userAgent: client.userAgent },
      });
    try {
      await this.limiter.checkAttempt(client.ip, username);
    } catch (err) {
      if (err instanceof DomainError) audit('failed', err.status, null, { reason: err.code });
      throw err;
    }
    const user = await this.users.findByUsername(username);
    const valid = await this.hasher.verify(password, user?.passwordHash ?? null);
    if (!user || !valid || !user.isActive) {
      await this.limiter.recordFailure(username, client.ip);
      const reason = !user ? 'unknown user' : !valid ? 'bad password' : 'disabled';
      this.logger.warn({ username, ip: client.ip, reason }, 'Login failed');
      audit('failed', 401, user?.id ?? null, { reason });
      // One message for every case: a caller cannot tell which usernames exist.
      throw unauthorized('INVALID_CREDENTIALS', 'Invalid username or password');
    }
    await this.limiter.recordSuccess(username, client.ip);
    user.lastLoginAt = new Date();
    await this.users.recordLogin(user.id, user.lastLoginAt);
    const refresh = await this.sessions.create(user.id, client.ip, client.userAgent);
    this.logger.log({ userId: user.id, username, ip: client.ip, sessionId: refresh.sessionId }, 'Login succeeded');
    audit('ok', 200, user.id, { sessionId: refresh.sessionId });
    return this.tokens(user, refresh);
  }

  async refresh(refreshToken: string, client?: ClientInfo): Promise<TokenResponseDto> {
    const result = await this.sessions.rotate(refreshToken);
    if (!result.ok) {
      if (result.reason === 'reused') {
        this.logger.warn({ reason: result.reason, userId: result.userId }, 'Refresh token reused: session revoked');
        const u = await this.users.findById(result.userId).catch(() => null);
        this.audit.record({
          action: 'auth.refresh_reuse',
          actor: { userId: result.userId, username: u?.username ?? null },
          targetType: 'session',
          targetId: result.sessionId,
          result: 'failed',
          status: 401,
          ip: client?.ip,
          requestId: client?.requestId,
          details: { reason: 'a refresh token was used twice: the session was revoked', userAgent: client?.userAgent },
        });
      }
      throw unauthorized(
        result.reason === 'reused' ? 'REFRESH_TOKEN_REUSED' : 'INVALID_REFRESH_TOKEN',
        result.reason === 'reused'
          ? 'Refresh token was already used; the session has been revoked, log in again'
          : 'Refresh token is invalid, expired or revoked',
      );
    }
    const user = await this.users.findById(result.session.userId);
    if (!user || !user.isActive) {
      await this.sessions.revoke(result.session.id);
      throw unauthorized('INVALID_REFRESH_TOKEN', 'Refresh token is invalid, expired or revoked');
    }
    return this.tokens(user, result.refresh);
  }

  async logout(user: AuthUser): Promise<void> {
    await this.sessions.revoke(user.sessionId);
    this.logger.log({ userId: user.id, sessionId: user.sessionId }, 'Logged out');
    this.audit.note({ sessionId: user.sessionId }, user.id);
  }

  async me(user: AuthUser): Promise<UserResponseDto> {
    const u = await this.users.findById(user.id);
    if (!u) throw unauthorized('UNAUTHORIZED', 'User no longer exists');
    return UserResponseDto.from(u);
  }

  /** Changes the caller's password and ends every other session of theirs. */
  async changePassword(user: AuthUser, dto: ChangePasswordDto): Promise<number> {
    const u = await this.users.findById(user.id);
    if (!u || !(await this.hasher.verify(dto.currentPassword, u.passwordHash)))
      throw unauthorized('INVALID_CREDENTIALS', 'currentPassword is wrong');
    await this.users.setPasswordHash(u.id, await this.hasher.hash(dto.newPassword));
    const ended = await this.sessions.revokeAllForUser(u.id, user.sessionId);
    this.logger.log({ userId: u.id, endedSessions: ended }, 'Password changed');
    this.audit.note({ sessionsEnded: ended }, u.id);
    return ended;
  }

  /** Resolves an access token's claims to the live user; null when the session or user is gone. */
  async validateAccess(claims: AccessClaims): Promise<AuthUser | null> {
    if (claims?.typ !== 'access' || typeof claims.sid !== 'string' || typeof claims.sub !== 'number') return null;
    const session = await this.sessions.findLive(claims.sid);
    const u = session?.user;
    if (!session || !u || u.id !== claims.sub || !u.isActive) return null;
    return { id: u.id, username: u.username, isAdmin: u.isAdmin, sessionId: session.id };
  }

  private async tokens(user: UserEntity, refresh: IssuedRefresh): Promise<TokenResponseDto> {
    const claims: AccessClaims = { sub: user.id, sid: refresh.sessionId, typ: 'access' };
    const accessToken = await this.jwt.signAsync(claims);
    return {
      accessToken,
      refreshToken: refresh.refreshToken,
      tokenType: 'Bearer',
      expiresIn: Math.floor(this.config.backend.access_token_ttl / 1000),
      refreshExpiresIn: Math.max(0, Math.floor((refresh.expiresAt.getTime() - Date.now()) / 1000)),
      user: UserResponseDto.from(user),
    };
  }
}
