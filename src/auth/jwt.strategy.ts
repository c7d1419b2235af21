import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { AuthUser } from '../common/auth.decorators';
import { AccessClaims, AuthService } from './auth.service';

export const JWT_ALGORITHM = 'HS256' as const;

/**
 * Routes that also take the access token as `?access_token=`: EventSource (the browser's SSE client) cannot send
 * headers. Nowhere else — a token in a URL ends up in histories and proxy logs (ours redacts it).
 */
export const QUERY_TOKEN_ROUTES: readonly string[] = ['GET /api/events'];

const fromAuthHeader = ExtractJwt.fromAuthHeaderAsBearerToken();
const fromQuery = ExtractJwt.fromUrlQueryParameter('access_token');

/** The bearer header, or on the QUERY_TOKEN_ROUTES only, the access_token query parameter. */
export function extractAccessToken(req: Request): string | null {
  const header = fromAuthHeader(req);
  if (header) return header;
  const path = (req.originalUrl ?? req.url ?? '').split('?')[0];
  return QUERY_TOKEN_ROUTES.includes(`${req.method} ${path}`) ? fromQuery(req) : null;
}

/**
 * Verifies the access JWT (HS256 only: `alg: none` and other algorithms are refused; `exp` required) and loads the
 * live session.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly auth: AuthService,
  ) {
    super({
      jwtFromRequest: extractAccessToken,
      secretOrKey: config.backend.secret_key,
      algorithms: [JWT_ALGORITHM],
      ignoreExpiration: false,
    });
  }

  async validate(claims: AccessClaims & { exp?: unknown }): Promise<AuthUser | false> {
    // jsonwebtoken checks exp only when a token has one: a token signed without it would never expire. Ours always
    // carry it (JwtModule signs with expiresIn), so one without is not ours to honour.
    if (typeof claims?.exp !== 'number' || !Number.isFinite(claims.exp)) return false;
    return (await this.auth.validateAccess(claims)) ?? false;
  }
}
