import { applyDecorators } from '@nestjs/common';
import {
  IsString,
  MaxLength,
  MinLength,
  Validate,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';

/** bcrypt ignores everything after 72 bytes; longer passwords are refused rather than silently truncated. */
@ValidatorConstraint({ name: 'maxBytes72' })
class MaxBytes72 implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= 72;
  }
  defaultMessage(args?: ValidationArguments): string {
    return `${args?.property ?? 'password'} must be at most 72 bytes`;
  }
}

/** A new password: 8 characters at least, 72 bytes at most. */
export const IsNewPassword = () => applyDecorators(IsString(), MinLength(8), MaxLength(72), Validate(MaxBytes72));
