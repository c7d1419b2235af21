import { Injectable, PipeTransform } from '@nestjs/common';
import { badRequest } from '../common/domain-error';

/** A chat id in a path: a group id or a wxid, 1–100 characters, no whitespace or control characters (400 otherwise). */
@Injectable()
export class ChatIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must not be in an id
    if (typeof value !== 'string' || !/^[^\s\u0000-\u001f\u007f]{1,100}$/.test(value))
      throw badRequest('INVALID_ID', 'chat_id must be a chat id (a group id or a wxid, at most 100 characters)', {
        name: 'chat_id',
      });
    return value;
  }
}
