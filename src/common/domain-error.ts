import { HttpStatus } from '@nestjs/common';
import type { ErrorCode, MessageParams } from './message-codes';

/**
 * A failure the caller can act on. Services throw these; the global filter maps them to the one error body with
 * `statusCode` from `status`, `code` for programs (e.g. `USER_NOT_FOUND`, `LAST_ADMIN`; every code is listed in
 * message-codes.ts) and `params`, the values the console fills into its own text for the code. `message` stays
 * English, for API users and logs.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: HttpStatus = HttpStatus.BAD_REQUEST,
    readonly headers: Record<string, string> = {},
    public params: MessageParams = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  /**
   * What a caller who may not see the detail is told instead of `message` (undefined: `message` is for everyone).
   * Errors that carry text from another system (an upstream answer) set it, so that text reaches admins only.
   */
  publicMessage: string | undefined = undefined;

  /** The names of the params that carry such text (upstream answers): left out for a caller without detail. */
  privateParams: readonly string[] = [];

  /** Sets publicMessage (see there) and returns the error, for `throw badRequest(…).withPublicMessage(…)`. */
  withPublicMessage(message: string, privateParams: readonly string[] = []): this {
    this.publicMessage = message;
    this.privateParams = privateParams;
    return this;
  }
}

type Params = MessageParams;
export const notFound = (code: ErrorCode, message: string, params?: Params) =>
  new DomainError(code, message, HttpStatus.NOT_FOUND, {}, params);
export const conflict = (code: ErrorCode, message: string, params?: Params) =>
  new DomainError(code, message, HttpStatus.CONFLICT, {}, params);
export const unauthorized = (code: ErrorCode, message: string, params?: Params) =>
  new DomainError(code, message, HttpStatus.UNAUTHORIZED, {}, params);
export const forbidden = (code: ErrorCode, message: string, params?: Params) =>
  new DomainError(code, message, HttpStatus.FORBIDDEN, {}, params);
export const badRequest = (code: ErrorCode, message: string, params?: Params) =>
  new DomainError(code, message, HttpStatus.BAD_REQUEST, {}, params);
export const tooManyRequests = (code: ErrorCode, message: string, retryAfterSeconds: number) =>
  new DomainError(
    code,
    message,
    HttpStatus.TOO_MANY_REQUESTS,
    { 'Retry-After': String(retryAfterSeconds) },
    { retryAfter: retryAfterSeconds },
  );
