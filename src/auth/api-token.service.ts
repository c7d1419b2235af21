import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { badRequest, notFound } from '../common/domain-error';
import { Page } from '../common/dto/pagination.dto';
import { ApiTokenEntity } from './api-token.entity';
import type { AuthUser } from '../common/auth.decorators';
import { RobotIdLookup } from './robot-id-lookup';
import {
  ApiTokenCreateDto,
  ApiTokenCreatedResponseDto,
  ApiTokenListQueryDto,
  ApiTokenResponseDto,
} from './dto/api-token.dto';

/** Every API token starts with this, so a bearer value says which kind of token it is. */
export const API_TOKEN_PREFIX = 'ogw_';
const SHAPE = /^ogw_[A-Za-z0-9_-]{43}$/;
/** last_used_at / last_used_ip are written at most this often per token. */
const TOUCH_EVERY_MS = 60_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export function isApiToken(bearer: string): boolean {
  return bearer.startsWith(API_TOKEN_PREFIX);
}

/**
 * Scoped API tokens: `ogw_` + 32 random bytes (base64url). Only the sha256 is kept: for a secret with 256 bits of
 * entropy, guessing it from the hash is as hopeless as guessing the secret itself, so a slow password hash (bcrypt)
 * would add nothing but a slow lookup on every request — sha256 makes it one indexed query.
 */
@Injectable()
export class ApiTokenService {
  private readonly logger = new Logger('ApiTokens');

  constructor(
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
    private readonly robots: RobotIdLookup,
  ) {}

  async create(dto: ApiTokenCreateDto, actor: AuthUser): Promise<ApiTokenCreatedResponseDto> {
    if (dto.expiresAt && dto.expiresAt.getTime() <= Date.now())
      throw badRequest('INVALID_EXPIRY', 'expiresAt must be in the future');
    const robotIds = dto.robotIds ? [...dto.robotIds].sort((a, b) => a - b) : null;
    if (robotIds) {
      const found = new Set(await this.robots.existing(robotIds));
      const unknown = robotIds.filter((id) => !found.has(id));
      if (unknown.length)
        throw badRequest('UNKNOWN_ROBOTS', `robotIds names robots that do not exist: ${unknown.join(', ')}`, {
          field: 'robotIds',
          ids: unknown.join(', '),
        });
    }
    const secret = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const saved = await this.tokens.save(
      this.tokens.create({
        name: dto.name,
        prefix: secret.slice(0, 12),
        tokenHash: sha256(secret),
        scopes: JSON.stringify([...dto.scopes].sort()),
        robotIds: robotIds ? JSON.stringify(robotIds) : null,
        expiresAt: dto.expiresAt ?? null,
        revokedAt: null,
        lastUsedAt: null,
        lastUsedIp: null,
        createdById: actor.id,
        createdBy: actor.username,
      }),
    );
    this.logger.log(
      { actor: actor.username, tokenId: saved.id, name: saved.name, scopes: dto.scopes, robotIds },
      'API token created',
    );
    return { ...toResponse(saved), token: secret };
  }

  async list(q: ApiTokenListQueryDto): Promise<Page<ApiTokenResponseDto>> {
    const [rows, total] = await this.tokens.findAndCount({
      order: { id: 'DESC' },
      skip: (q.page - 1) * q.limit,
      take: q.limit,
    });
    return { items: rows.map(toResponse), total, page: q.page, limit: q.limit };
  }

  async get(id: number): Promise<ApiTokenResponseDto> {
    return toResponse(await this.find(id));
  }

  /** Revokes a token at once (the row stays, for the audit log). Revoking it again changes nothing. */
  async revoke(id: number, actor: AuthUser): Promise<ApiTokenResponseDto> {
    const row = await this.find(id);
    if (!row.revokedAt) {
      row.revokedAt = new Date();
      await this.tokens.update({ id }, { revokedAt: row.revokedAt });
      this.logger.log({ actor: actor.username, tokenId: id, name: row.name }, 'API token revoked');
    }
    return toResponse(row);
  }

  /**
   * The caller a bearer `ogw_…` token stands for, or null when it is unknown, revoked or expired. Notes its use (at
   * most once a minute, without waiting for the write).
   */
  async authenticate(secret: string, ip: string | null): Promise<AuthUser | null> {
    if (!SHAPE.test(secret)) return null;
    const row = await this.tokens.findOne({ where: { tokenHash: sha256(secret) } });
    const now = Date.now();
    if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now)) return null;
    if (!row.lastUsedAt || now - row.lastUsedAt.getTime() >= TOUCH_EVERY_MS)
      void this.tokens
        .update({ id: row.id }, { lastUsedAt: new Date(now), lastUsedIp: ip?.slice(0, 64) ?? null })
        .catch((err: Error) =>
          this.logger.warn({ tokenId: row.id, error: err.message }, 'Could not note API token use'),
        );
    return {
      id: 0,
      username: `token:${row.name}`,
      isAdmin: false,
      sessionId: '',
      token: { id: row.id, name: row.name, scopes: parseScopes(row.scopes), robotIds: parseRobotIds(row.robotIds) },
    };
  }

  private async find(id: number): Promise<ApiTokenEntity> {
    const row = await this.tokens.findOne({ where: { id } });
    if (!row) throw notFound('TOKEN_NOT_FOUND', `API token ${id} does not exist`, { id });
    return row;
  }
}

function parseScopes(s: string): string[] {
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The robot limit as stored: null is every robot. A value that is not a list of ids (never written so) limits the
 * token to no robot at all rather than lifting the limit.
 */
export function parseRobotIds(s: string | null): number[] | null {
  if (s === null) return null;
  try {
    const v = JSON.parse(s) as unknown;
    return Array.isArray(v) ? v.filter((x): x is number => Number.isSafeInteger(x)) : [];
  } catch {
    return [];
  }
}

function toResponse(t: ApiTokenEntity): ApiTokenResponseDto {
  const expired = !!t.expiresAt && t.expiresAt.getTime() <= Date.now();
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    scopes: parseScopes(t.scopes),
    robotIds: parseRobotIds(t.robotIds),
    state: t.revokedAt ? 'revoked' : expired ? 'expired' : 'active',
    expiresAt: t.expiresAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    lastUsedIp: t.lastUsedIp,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
  };
}
