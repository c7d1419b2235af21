import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { checkGeweUrl } from '../gewe/base-url';

/** An http(s) URL without credentials, query or fragment (checkGeweUrl); "" allowed when `allowEmpty`. */
export function IsGeweUrl(options: { allowEmpty?: boolean } = {}, validation?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isGeweUrl',
      target: target.constructor,
      propertyName,
      options: validation,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          value.length <= 255 &&
          ((options.allowEmpty && value === '') || checkGeweUrl(value, propertyName) === null),
        defaultMessage: (args: ValidationArguments) =>
          typeof args.value === 'string' && args.value.length > 255
            ? `${args.property} must be at most 255 characters`
            : (checkGeweUrl(String(args.value), args.property) ?? `${args.property} must be an http(s) URL`),
      },
    });
}
