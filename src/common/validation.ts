import { applyDecorators, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage, ValidateBy, ValidateIf } from 'class-validator';
import { FIELD_CODES, isFieldCode, type FieldCode, type MessageParams } from './message-codes';

/** The constraint of a field that refuses null ("name must not be null"); see Optional(). */
export const NOT_NULL = 'notNull';

/**
 * A field that may be left out. Unlike class-validator's IsOptional (which skips the field's checks for null as well,
 * so `{"token": null}` reached the services), only a missing field is skipped: null is refused with
 * "<field> must not be null" unless the field is also @Nullable(). Every DTO uses this instead of IsOptional (the
 * linter refuses IsOptional).
 */
export function Optional(): PropertyDecorator {
  return applyDecorators(
    ValidateIf((_: object, value: unknown) => value !== undefined),
    ValidateBy({
      name: NOT_NULL,
      validator: {
        validate: (value: unknown) => value !== null,
        defaultMessage: (args) => `${args?.property ?? 'value'} must not be null`,
      },
    }),
  );
}

/**
 * A field for which null means something (clears it, resets it to the default): null skips the field's checks.
 * With @Optional() the field may also be left out. Say `nullable: true` in its @ApiProperty too: the security suite
 * checks that the document and the validation agree.
 */
export function Nullable(): PropertyDecorator {
  return ValidateIf((_: object, value: unknown) => value !== null);
}

/**
 * Flattens nested class-validator errors into messages that name the field by its path ("settings.level …"). A field
 * that is null where null is refused gets that one message, not also every check a null fails.
 */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const constraints = e.constraints?.[NOT_NULL] ? { [NOT_NULL]: e.constraints[NOT_NULL] } : e.constraints;
    if (constraints)
      for (const msg of Object.values(constraints))
        out.push(parent && msg.startsWith(e.property) ? `${parent}.${msg}` : msg);
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, path));
  }
  return out;
}

/** One field's error for people: the constraint as the code (FIELD_CODES; `invalid` for others), its values. */
export interface FieldError {
  field: string;
  code: FieldCode;
  params: MessageParams;
}

/**
 * The field errors of a validation failure, one per failed constraint (as flattenValidationErrors), each with the
 * constraint as its code and the field's path and the constraint's values (a length, the allowed values) as params.
 */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const names = e.constraints?.[NOT_NULL] ? [NOT_NULL] : Object.keys(e.constraints ?? {});
    for (const name of names) {
      const code: FieldCode = isFieldCode(name) ? name : 'invalid';
      out.push({ field, code, params: { field, ...constraintParams(code, constraintArgs(e, name)) } });
    }
    if (e.children?.length) out.push(...fieldErrors(e.children, field));
  }
  return out;
}

/** The arguments the decorator gave the constraint (`MinLength(3)` → [3]), from class-validator's metadata. */
function constraintArgs(e: ValidationError, name: string): unknown[] {
  const target = e.target?.constructor;
  if (!target) return [];
  const meta = getMetadataStorage()
    .getTargetValidationMetadatas(target, '', true, false)
    .find((m) => m.propertyName === e.property && (m.name ?? m.type) === name);
  return Array.isArray(meta?.constraints) ? (meta.constraints as unknown[]) : [];
}

function constraintParams(code: FieldCode, args: unknown[]): MessageParams {
  const wanted = FIELD_CODES[code] as readonly string[];
  if (wanted.includes('limit') && typeof args[0] === 'number') return { limit: args[0] };
  if (wanted.includes('values')) {
    const values = code === 'isEnum' ? Object.values(args[0] ?? {}) : args[0];
    if (Array.isArray(values)) return { values: values.map(String).join(', ') };
  }
  return {};
}

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // the target lets fieldErrors read each constraint's values (a length); it never reaches the answer
    validationError: { target: true },
    exceptionFactory: (errors) =>
      new BadRequestException({
        message: flattenValidationErrors(errors),
        code: 'VALIDATION_FAILED',
        errors: fieldErrors(errors),
      }),
  });
}
