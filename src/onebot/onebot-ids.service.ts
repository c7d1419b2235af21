import { Injectable } from '@nestjs/common';
import type { IdMapper, IdMode } from './onebot.types';

/**
 * The alias tables (`onebot_ids` for wxids and chatroom ids, `onebot_messages` for messages): allocated from the
 * tables' sequence, the same across restarts and instances (a unique index decides a race), cached in memory.
 * PART core.
 */
@Injectable()
export class OneBotIdStore {
  mapper(_robotId: number, _mode: IdMode): IdMapper {
    throw new Error('not implemented');
  }
}
