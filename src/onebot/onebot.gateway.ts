import { Injectable } from '@nestjs/common';
import type { GeweEvent } from '../callback/events';

/**
 * Where the pipeline hands a message new to the log: translated once (the robot's id mode) into OneBot events and
 * published to every instance, whose hub delivers them to the robot's clients. Never throws, never waits for a
 * client. PART core.
 */
@Injectable()
export class OneBotGateway {
  publish(_event: GeweEvent, _messageLogId: number): void {
    throw new Error('not implemented');
  }
}
