import { Injectable, PipeTransform } from '@nestjs/common';
import { badRequest } from './domain-error';

/** Parses a numeric path id (`/users/{user_id}`) and names the parameter when it is not a positive integer. */
@Injectable()
export class IdParamPipe implements PipeTransform<string, number> {
  constructor(private readonly name: string) {}

  transform(value: string): number {
    const n = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > 2_147_483_647)
      throw badRequest('INVALID_ID', `${this.name} must be a positive integer`);
    return n;
  }
}
