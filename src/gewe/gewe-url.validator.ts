import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';
import { checkGeweUrl } from './base-url';
import { checkOutboundUrl } from '../net/outbound-url-policy';

/** The first problem of a URL the server will call (format, then the outbound policy), or null. */
function problem(value: string, field: string): string | null {
  return checkGeweUrl(value, field) ?? checkOutboundUrl(value, field);
}

/**
 * An http(s) URL without credentials, query or fragment (checkGeweUrl), at an address the outbound policy allows
 * (no link-local / cloud metadata, src/net/outbound-url-policy.ts); "" allowed when `allowEmpty`.
 */
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
          ((options.allowEmpty && value === '') || problem(value, propertyName) === null),
        defaultMessage: (args: ValidationArguments) =>
          typeof args.value === 'string' && args.value.length > 255
            ? `${args.property} must be at most 255 characters`
            : (problem(String(args.value), args.property) ?? `${args.property} must be an http(s) URL`),
      },
    });
}

/** An http(s) URL at an address the outbound policy allows (alert webhooks: a query is fine); "" when `allowEmpty`. */
export function IsOutboundUrl(options: { allowEmpty?: boolean } = {}, validation?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isOutboundUrl',
      target: target.constructor,
      propertyName,
      options: validation,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          ((options.allowEmpty && value === '') ||
            (/^https?:\/\/\S+$/i.test(value) && checkOutboundUrl(value, propertyName) === null)),
        defaultMessage: (args: ValidationArguments) =>
          (/^https?:\/\/\S+$/i.test(String(args.value)) && checkOutboundUrl(String(args.value), args.property)) ||
          `${args.property} must be ${options.allowEmpty ? 'empty or ' : ''}an http(s) URL`,
      },
    });
}
