import { Injectable } from '@nestjs/common';
import type { OneBotStatusResponseDto } from './dto/onebot-settings.dto';
import type { OneBotEvent } from './onebot.types';

/**
 * The connections of this instance (forward and reverse WebSockets, HTTP POST targets, HTTP API callers) per robot:
 * delivers events to them (a client that does not keep up is dropped), counts events and actions, keeps the last
 * errors. PART transports.
 */
@Injectable()
export class OneBotHub {
  /** Delivers an event to the robot's clients on this instance; never waits for one. */
  deliver(_robotId: number, _event: OneBotEvent): void {
    throw new Error('not implemented');
  }

  status(_robotId: number): OneBotStatusResponseDto {
    throw new Error('not implemented');
  }
}
