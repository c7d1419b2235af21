import { HttpStatus } from '@nestjs/common';
import { DomainError } from '../common/domain-error';
import type { ErrorCode } from '../common/message-codes';

/**
 * Gewe answered, but not with `ret == 200`. `reason` is the most specific explanation Gewe gave: `data.msg` when
 * present (e.g. 已达到最大客户端数量操作), else `msg`. Surfaces as 502 with that reason — for admins: anyone else
 * gets the code and a generic message, since the text is whatever the host at the robot's baseUrl answered.
 */
export class GeweApiError extends DomainError {
  constructor(
    readonly endpoint: string,
    readonly ret: number | null,
    readonly geweMsg: string | null,
    readonly reason: string,
    readonly data: unknown = undefined,
  ) {
    super(
      'GEWE_API_ERROR',
      `Gewe ${endpoint} failed (ret ${ret ?? '?'}): ${reason}`,
      HttpStatus.BAD_GATEWAY,
      {},
      {
        endpoint,
        ret: ret ?? '?',
        reason,
      },
    );
    this.name = 'GeweApiError';
    // Gewe's text is a parameter for admins only
    this.withPublicMessage(`Gewe ${endpoint} failed (ret ${ret ?? '?'}); an admin can see Gewe's reason`, ['reason']);
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

export type GeweTransportFailure =
  | 'timeout'
  | 'unreachable'
  | 'http'
  | 'redirect'
  | 'too_large'
  | 'malformed'
  /** The outbound policy refused the address (link-local / cloud metadata; backend.allow_link_local_targets). */
  | 'refused';

const TRANSPORT_CODES: Record<GeweTransportFailure, ErrorCode> = {
  timeout: 'GEWE_TIMEOUT',
  unreachable: 'GEWE_UNREACHABLE',
  http: 'GEWE_BAD_RESPONSE',
  redirect: 'GEWE_BAD_RESPONSE',
  too_large: 'GEWE_BAD_RESPONSE',
  malformed: 'GEWE_BAD_RESPONSE',
  refused: 'GEWE_TARGET_REFUSED',
};

const PUBLIC_TRANSPORT_MESSAGES: Record<string, string> = {
  GEWE_TIMEOUT: 'Gewe did not answer in time',
  GEWE_UNREACHABLE: 'Gewe cannot be reached',
  GEWE_BAD_RESPONSE: 'Gewe answered something that is not a Gewe response',
  GEWE_TARGET_REFUSED: "The robot's Gewe address is link-local or cloud metadata, which this server does not call",
};

/**
 * Gewe could not be reached, or answered something that is not a Gewe response. The message may quote the answer
 * (its status and first bytes): admins see it, anyone else the code and a generic message (publicMessage) — else
 * a robot pointed at any host and port would read that host's banner back.
 */
export class GeweTransportError extends DomainError {
  constructor(
    readonly endpoint: string,
    readonly failure: GeweTransportFailure,
    detail: string,
  ) {
    super(
      TRANSPORT_CODES[failure],
      `Gewe ${endpoint}: ${detail}`,
      failure === 'timeout' ? HttpStatus.GATEWAY_TIMEOUT : HttpStatus.BAD_GATEWAY,
      {},
      { endpoint },
    );
    this.name = 'GeweTransportError';
    this.publicMessage = `Gewe ${endpoint}: ${PUBLIC_TRANSPORT_MESSAGES[this.code]}`;
  }
}

export type GeweError = GeweApiError | GeweTransportError;
export const isGeweError = (e: unknown): e is GeweError => e instanceof GeweApiError || e instanceof GeweTransportError;

/**
 * What a robot's live state (`reason`, `callbackError`, shown to every user) may say of a failed call: a transport
 * error's generic message — its detail quotes whatever the host answered (a port scanner's banner), and goes to the
 * log instead — and Gewe's own reason otherwise (e.g. 已达到最大客户端数量操作), which operators need.
 */
export function stateReason(err: unknown): string {
  if (err instanceof GeweTransportError) return err.publicMessage ?? err.message;
  return err instanceof Error ? err.message : String(err);
}
