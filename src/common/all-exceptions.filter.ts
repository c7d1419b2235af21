import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import { DomainError } from './domain-error';
import { ErrorResponseDto, FieldErrorDto } from './dto/error-response.dto';
import type { ErrorCode, MessageParams } from './message-codes';

/**
 * Maps every error to `{ statusCode, error, message, requestId, code, params, errors? }`. Unknown errors become a 500 that names the
 * request id and nothing else; the stack goes to the log.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { id?: string; user?: { isAdmin?: boolean; token?: unknown } }>();
    const res = ctx.getResponse<Response>();
    const requestId = String(req?.id ?? '');
    // upstream detail (an error's message when it has a publicMessage) is for logged-in admins, not API tokens
    const detail = req?.user?.isAdmin === true && !req.user.token;
    const body = toErrorBody(exception, requestId, { detail });

    if (body.statusCode >= 500) this.logger.error({ err: exception, requestId }, 'Unhandled error');
    if (res.headersSent) return;
    const domain =
      exception instanceof HttpException && exception.cause instanceof DomainError ? exception.cause : exception;
    if (domain instanceof DomainError) for (const [k, v] of Object.entries(domain.headers)) res.setHeader(k, v);
    res.status(body.statusCode).json(body);
  }
}

/**
 * `detail`: the caller may see what another system answered (an admin); otherwise an error that has a publicMessage
 * is told with it instead of its message.
 */
export function toErrorBody(exception: unknown, requestId: string, o: { detail?: boolean } = {}): ErrorResponseDto {
  const make = (
    statusCode: number,
    message: string | string[],
    code: string,
    params: MessageParams = {},
    errors?: FieldErrorDto[],
  ): ErrorResponseDto => ({
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    message,
    requestId,
    code,
    params,
    ...(errors ? { errors } : {}),
  });
  const domain = (e: DomainError, detail: boolean) =>
    make(
      e.status,
      detail ? e.message : (e.publicMessage ?? e.message),
      e.code,
      detail || e.publicMessage === undefined ? e.params : omit(e.params, e.privateParams),
    );
  if (exception instanceof DomainError) return domain(exception, o.detail === true);
  // a DomainError thrown in body-parser's verify hook (json-body.ts) comes back wrapped by the Express adapter
  if (exception instanceof HttpException && exception.cause instanceof DomainError)
    return domain(exception.cause, true);
  // body-parser errors arrive raw, or wrapped by the Express adapter with the original as `cause`.
  const parserError = bodyParserError(exception instanceof HttpException ? exception.cause : exception);
  if (parserError) return make(parserError.status, parserError.message, parserError.code);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    let message: string | string[] = exception.message;
    let code: string | undefined;
    let params: MessageParams | undefined;
    let errors: FieldErrorDto[] | undefined;
    if (typeof response === 'object' && response !== null) {
      const r = response as { message?: unknown; code?: unknown; params?: unknown; errors?: unknown };
      if (typeof r.message === 'string' || Array.isArray(r.message)) message = r.message as string | string[];
      if (typeof r.code === 'string') code = r.code;
      if (r.params && typeof r.params === 'object') params = r.params as MessageParams;
      if (Array.isArray(r.errors)) errors = r.errors as FieldErrorDto[];
    } else if (typeof response === 'string') message = response;
    return make(status, message, code ?? defaultCode(status), params, errors);
  }
  return make(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error', 'INTERNAL_ERROR');
}

function omit(params: MessageParams, keys: readonly string[]): MessageParams {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !keys.includes(k)));
}

function bodyParserError(e: unknown): { status: number; message: string; code: ErrorCode } | null {
  const err = e as { status?: unknown; type?: unknown } | null | undefined;
  if (!err || typeof err !== 'object') return null;
  switch (err.type) {
    case 'entity.parse.failed':
      return { status: 400, message: 'Request body is not valid JSON', code: 'MALFORMED_JSON' };
    case 'entity.too.large':
      return { status: 413, message: 'Request body is too large', code: 'PAYLOAD_TOO_LARGE' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, message: 'Unsupported request body encoding', code: 'UNSUPPORTED_ENCODING' };
    default:
      return null;
  }
}

/** The code of an HttpException that names none (Nest's own 404 of an unknown route…); every body has one. */
function defaultCode(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'FORBIDDEN';
    case 404:
      return 'NOT_FOUND';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 429:
      return 'TOO_MANY_REQUESTS';
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
  }
}
