import { createParamDecorator, ExecutionContext, Injectable, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { Request } from 'express';
import { badRequest } from './domain-error';

/** The ids the service hands out: positive 32-bit integers (what MySQL's INT and SQLite's rowid have in common). */
export const ID_SCHEMA = { type: 'integer', minimum: 1, maximum: 2_147_483_647 } as const;

/** Parses a numeric path id (`/users/{user_id}`) and names the parameter when it is not a positive integer. */
@Injectable()
export class IdParamPipe implements PipeTransform<unknown, number> {
  constructor(private readonly name: string) {}

  transform(value: unknown): number {
    const n = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < ID_SCHEMA.minimum || n > ID_SCHEMA.maximum)
      throw badRequest('INVALID_ID', `${this.name} must be a positive integer`, { name: this.name });
    return n;
  }
}

/**
 * The path parameter exactly as the URL spelled it. A custom decorator, so the global ValidationPipe leaves it alone:
 * with `@Param()` and a `number` parameter it would turn `1e3`, `0x10` or ` 7` into numbers before IdParamPipe sees
 * them, and /robots/1e3 would reach robot 1000.
 */
const RawPathParam = createParamDecorator(
  (name: string, ctx: ExecutionContext): unknown => ctx.switchToHttp().getRequest<Request>().params?.[name],
);

/**
 * A numeric path id: `@IdParam('robot_id') id: number`. Parsed by IdParamPipe from the raw path segment, and
 * documented with what the pipe enforces (an integer from 1 to 2147483647), so the document and the server agree.
 */
export function IdParam(name: string): ParameterDecorator {
  return (target, key, index) => {
    RawPathParam(name, new IdParamPipe(name))(target, key, index);
    const method = Object.getOwnPropertyDescriptor(target, key!);
    if (!method) throw new Error(`@IdParam('${name}') is only for route handlers`);
    ApiParam({ name, required: true, schema: { ...ID_SCHEMA } })(target, key!, method);
  };
}
