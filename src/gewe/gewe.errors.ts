import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/domain-error';

/**
 * Gewe answered, but not with `ret == 200`. `reason` is the most specific explanation Gewe gave: `data.msg` when
 * present (e.g. 已达到最大客户端数量操作), else `msg`. Surfaces as 502 with that reason.
 */
export class GeweApiError extends DomainError {
  constructor(
    readonly endpoint: string,
    readonly ret: number | null,
    readonly geweMsg: string | null,
    readonly reason: string,
    readonly data: unknown = undefined,
  ) {
    super('GEWE_API_ERROR', `Gewe ${endpoint} failed (ret ${ret ?? '?'}): ${reason}`, HttpStatus.BAD_GATEWAY);
    this.name = 'GeweApiError';
  }

  /** Gewe says the token is missing, unknown or expired. */
  get isTokenInvalid(): boolean {
    return /不可用或已过期|X-GEWE-TOKEN\s*不可为空|token.*(invalid|expired)/i.test(`${this.geweMsg} ${this.reason}`);
  }

  /** getLoginQrCode on an account that is already logged in. */
  get isAlreadyLoggedIn(): boolean {
    return /已登录|already logged in/i.test(`${this.geweMsg} ${this.reason}`);
  }
}

export type GeweTransportFailure = 'timeout' | 'unreachable' | 'http' | 'redirect' | 'too_large' | 'malformed';

/** Gewe could not be reached, or answered something that is not a Gewe response. */
export class GeweTransportError extends DomainError {
  constructor(
    readonly endpoint: string,
    readonly failure: GeweTransportFailure,
    detail: string,
  ) {
    super(
      failure === 'timeout' ? 'GEWE_TIMEOUT' : failure === 'unreachable' ? 'GEWE_UNREACHABLE' : 'GEWE_BAD_RESPONSE',
      `Gewe ${endpoint}: ${detail}`,
      failure === 'timeout' ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.BAD_GATEWAY,
    );
    this.name = 'GeweTransportError';
  }
}

export type GeweError = GeweApiError | GeweTransportError;
export const isGeweError = (e: unknown): e is GeweError => e instanceof GeweApiError || e instanceof GeweTransportError;
