import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { IsNull, Not, Repository } from 'typeorm';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { AuthSessionEntity } from './auth-session.entity';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface IssuedRefresh {
  sessionId: string;
  refreshToken: string;
  expiresAt: Date;
}

export type RotateResult =
  | { ok: true; session: AuthSessionEntity; refresh: IssuedRefresh }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' }
  | { ok: false; reason: 'reused'; sessionId: string; userId: number };

/** Login sessions and their single-use refresh tokens (`<sessionId>.<secret>`, only a hash is stored). */
@Injectable()
export class SessionService {
  constructor(
    @InjectRepository(AuthSessionEntity) private readonly sessions: Repository<AuthSessionEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async create(userId: number, ip: string | null, userAgent: string | null): Promise<IssuedRefresh> {
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.backend.refresh_token_ttl);
    await this.sessions.insert({
      id,
      userId,
      refreshHash: sha256(secret),
      expiresAt,
      revokedAt: null,
      ip: ip?.slice(0, 64) ?? null,
      userAgent: userAgent?.slice(0, 255) ?? null,
    });
    return { sessionId: id, refreshToken: `${id}.${secret}`, expiresAt };
  }

  /**
   * Exchanges a refresh token for a new one. The swap is a compare-and-set on the stored hash, so of two concurrent
   * refreshes with one token only one wins; a token that no longer matches means it was used before — the session is
   * revoked, since someone else may hold it.
   */
  async rotate(refreshToken: string): Promise<RotateResult> {
    const dot = refreshToken.indexOf('.');
    const id = dot > 0 ? refreshToken.slice(0, dot) : '';
    const secret = dot > 0 ? refreshToken.slice(dot + 1) : '';
    const session = id ? await this.sessions.findOne({ where: { id } }) : null;
    if (!session || !secret) return { ok: false, reason: 'unknown' };
    if (session.revokedAt) return { ok: false, reason: 'revoked' };
    if (session.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
    const presented = Buffer.from(sha256(secret), 'hex');
    const stored = Buffer.from(session.refreshHash, 'hex');
    if (presented.length !== stored.length || !timingSafeEqual(presented, stored)) {
      await this.revoke(session.id);
      return { ok: false, reason: 'reused', sessionId: session.id, userId: session.userId };
    }
    const next = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.backend.refresh_token_ttl);
    const res = await this.sessions.update(
      { id: session.id, refreshHash: session.refreshHash, revokedAt: IsNull() },
      { refreshHash: sha256(next), expiresAt },
    );
    if (!res.affected) {
      await this.revoke(session.id);
      return { ok: false, reason: 'reused', sessionId: session.id, userId: session.userId };
    }
    return { ok: true, session, refresh: { sessionId: session.id, refreshToken: `${session.id}.${next}`, expiresAt } };
  }

  /** The session if it is live (not revoked, not expired), with its user. */
  async findLive(id: string): Promise<AuthSessionEntity | null> {
    const s = await this.sessions.findOne({ where: { id }, relations: { user: true } });
    if (!s || s.revokedAt || s.expiresAt.getTime() <= Date.now()) return null;
    return s;
  }

  async revoke(id: string): Promise<void> {
    await this.sessions.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  /** Ends every session of a user, except `keep` (the caller's own, when changing one's password). */
  async revokeAllForUser(userId: number, keep?: string): Promise<number> {
    const where = keep ? { userId, revokedAt: IsNull(), id: Not(keep) } : { userId, revokedAt: IsNull() };
    const res = await this.sessions.update(where, { revokedAt: new Date() });
    return res.affected ?? 0;
  }
}
