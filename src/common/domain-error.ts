import { HttpStatus } from '@nestjs/common';

/**
 * A failure the caller can act on. Services throw these; the global filter maps them to the one error body with
 * `statusCode` from `status` and `code` for programs (e.g. `USER_NOT_FOUND`, `LAST_ADMIN`).
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: HttpStatus = HttpStatus.BAD_REQUEST,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }

  /**
   * What a caller who may not see the detail is told instead of `message` (undefined: `message` is for everyone).
   * Errors that carry text from another system (an upstream answer) set it, so that text reaches admins only.
   */
  publicMessage: string | undefined = undefined;

  /** Sets publicMessage (see there) and returns the error, for `throw badRequest(…).withPublicMessage(…)`. */
  withPublicMessage(message: string): this {
    this.publicMessage = message;
    return this;
  }
}

export const notFound = (code: string, message: string) => new DomainError(code, message, HttpStatus.NOT_FOUND);
export const conflict = (code: string, message: string) => new DomainError(code, message, HttpStatus.CONFLICT);
export const unauthorized = (code: string, message: string) => new DomainError(code, message, HttpStatus.UNAUTHORIZED);
export const forbidden = (code: string, message: string) => new DomainError(code, message, HttpStatus.FORBIDDEN);
export const badRequest = (code: string, message: string) => new DomainError(code, message, HttpStatus.BAD_REQUEST);
export const tooManyRequests = (code: string, message: string, retryAfterSeconds: number) =>
  new DomainError(code, message, HttpStatus.TOO_MANY_REQUESTS, { 'Retry-After': String(retryAfterSeconds) });
