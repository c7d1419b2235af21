import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsDate } from 'class-validator';

/**
 * An RFC 3339 date-time (OpenAPI's `format: date-time`): `2024-05-01T08:00:00Z`, `2024-05-01T16:00:00.000+08:00`.
 * Date-only, a bare year, epoch numbers and whatever else `new Date()` would guess at are not dates here.
 */
export const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** The value as a Date when it is an RFC 3339 date-time naming a real instant; anything else is left for IsDate to refuse. */
export function toDateTime({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string' || !RFC3339_DATE_TIME.test(value)) return value;
  const d = new Date(value);
  // 2024-02-30T00:00:00Z rolls over to March in Date: refuse it rather than guess
  const [, month, day] = /^\d{4}-(\d{2})-(\d{2})/.exec(value)!;
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(value);
  const local = offset
    ? new Date(d.getTime() + (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) * 60_000)
    : d;
  if (Number.isNaN(d.getTime()) || local.getUTCMonth() + 1 !== Number(month) || local.getUTCDate() !== Number(day))
    return value;
  return d;
}

/** A date-time field (query or body): an RFC 3339 string, a 400 naming `field` otherwise. Optional-ness is separate. */
export const IsDateTime = (field: string) =>
  applyDecorators(
    Transform(toDateTime),
    IsDate({ message: `${field} must be an RFC 3339 date-time, e.g. 2024-05-01T08:00:00Z` }),
  );
