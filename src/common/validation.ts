import { applyDecorators, BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateBy, ValidateIf } from 'class-validator';

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

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) =>
      new BadRequestException({ message: flattenValidationErrors(errors), code: 'VALIDATION_FAILED' }),
  });
}
