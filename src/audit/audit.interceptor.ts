import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Observable, tap } from 'rxjs';
import type { AuthUser } from '../common/auth.decorators';
import { toErrorBody } from '../common/all-exceptions.filter';
import { AUDIT_SPEC, AuditSpec } from './audit.decorator';
import { actorOf, AuditTrail } from './audit.service';

type AuditedRequest = Request & { id?: string; user?: AuthUser };

/**
 * Global: routes marked @Audit are recorded after their handler ran, with the outcome. The handler runs inside an
 * audit scope, so the services it calls can add details (AuditTrail.note). Validation errors count as failed
 * actions (pipes run inside interceptors); refusals by the guards (401/403) are not actions and are not recorded.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditTrail,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec | undefined>(AUDIT_SPEC, ctx.getHandler());
    if (!spec || ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<AuditedRequest>();
    const okStatus =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, ctx.getHandler()) ??
      (req.method === 'POST' ? HttpStatus.CREATED : HttpStatus.OK);
    return new Observable((subscriber) => {
      // Nest calls the handler when this subscribes: inside the scope, so its async work sees the scope too.
      const { scope } = this.audit.runScoped(() =>
        next
          .handle()
          .pipe(
            tap({
              next: (value) => this.write(spec, req, scope, 'ok', okStatus, value),
              error: (err: unknown) => {
                const body = toErrorBody(err, req.id ?? '', { detail: true });
                const message = Array.isArray(body.message) ? body.message.join('; ') : body.message;
                this.write(spec, req, scope, 'failed', body.statusCode, undefined, {
                  error: body.code ? `${body.code}: ${message}` : message,
                });
              },
            }),
          )
          .subscribe(subscriber),
      );
    });
  }

  private write(
    spec: AuditSpec,
    req: AuditedRequest,
    scope: { notes: Record<string, unknown>; targetId?: string },
    result: 'ok' | 'failed',
    status: number,
    value: unknown,
    extra: Record<string, unknown> = {},
  ): void {
    const params = (req.params ?? {}) as Record<string, string>;
    const names = Object.keys(params);
    const param = spec.targetParam ?? (names.length === 1 ? names[0] : undefined);
    const fromAnswer = value && typeof value === 'object' && 'id' in value ? value.id : undefined;
    const answerId = typeof fromAnswer === 'number' || typeof fromAnswer === 'string' ? String(fromAnswer) : null;
    const targetId = scope.targetId ?? (param ? params[param] : undefined) ?? answerId;
    const otherParams = Object.fromEntries(Object.entries(params).filter(([k]) => k !== param));
    const query = (req.query ?? {}) as Record<string, unknown>;
    this.audit.record({
      action: spec.action,
      actor: actorOf(req.user),
      targetType: spec.target ?? null,
      targetId,
      result,
      status,
      ip: req.ip ?? req.socket?.remoteAddress ?? null,
      requestId: req.id ?? null,
      details: {
        ...(Object.keys(otherParams).length ? { params: otherParams } : {}),
        ...(Object.keys(query).length ? { query } : {}),
        ...bodyDetails(spec.body ?? true, req.body),
        ...scope.notes,
        ...extra,
      },
    });
  }
}

function bodyDetails(keep: boolean | readonly string[], body: unknown): { body?: unknown } {
  if (keep === false || body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) return { body };
  const entries = Object.entries(body as Record<string, unknown>);
  if (!entries.length) return {};
  return { body: Object.fromEntries(keep === true ? entries : entries.filter(([k]) => keep.includes(k))) };
}
