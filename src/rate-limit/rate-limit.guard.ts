import { applyDecorators, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerLimitDetail, ThrottlerRequest } from '@nestjs/throttler';
import type { Request } from 'express';
import { tooManyRequests } from '../common/domain-error';
import type { ErrorCode } from '../common/message-codes';
import { RateLimitName, rateLimitKey } from './rate-limit.store';

const RATE_LIMITS = 'opengewe:rate-limits';

/** The answer of each limit a route can opt into (the one error body, with Retry-After). */
const REFUSALS = {
  refresh: { code: 'REFRESH_RATE_LIMITED', message: 'Too many token refreshes from this address; try again later' },
} as const satisfies Partial<Record<RateLimitName, { code: ErrorCode; message: string }>>;

/** The 429 of a limit a route opts into, for a caller that counted a hit itself (RateLimitStore.hit). */
export const rateLimited = (name: keyof typeof REFUSALS, retryAfterSeconds: number) =>
  tooManyRequests(REFUSALS[name].code, REFUSALS[name].message, retryAfterSeconds);

/**
 * Limits the route by the client IP with the named limits of ThrottlerModule (rate-limit.module.ts). Only the limits
 * named here apply: ThrottlerGuard would otherwise apply every configured one to every route it guards.
 */
export const RateLimited = (...names: (keyof typeof REFUSALS)[]) =>
  applyDecorators(SetMetadata(RATE_LIMITS, names), UseGuards(RateLimitGuard));

/** The client IP as the rest of the service sees it (behind a proxy: X-Forwarded-For, with backend.trust_proxy). */
export const clientIp = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';

/**
 * @nestjs/throttler's guard, with the service's conventions: opt-in limits per route, the raw client IP as tracker
 * (as the login limits use), readable storage keys (shared with RateLimitStore.hit) and the one error body.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const names =
      this.reflector.getAllAndOverride<string[] | undefined>(RATE_LIMITS, [
        props.context.getHandler(),
        props.context.getClass(),
      ]) ?? [];
    return names.includes(props.throttler.name ?? '') ? super.handleRequest(props) : true;
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(clientIp(req as unknown as Request));
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return rateLimitKey(name, tracker);
  }

  protected override throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    // the key is rateLimitKey(name, tracker)
    const name = detail.key.slice(0, -(detail.tracker.length + 1)) as keyof typeof REFUSALS;
    return Promise.reject(rateLimited(name, detail.timeToBlockExpire));
  }
}
