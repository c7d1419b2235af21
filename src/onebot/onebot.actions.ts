import { Injectable } from '@nestjs/common';
import type { ActionRequest, ActionResponse, ClientInfo } from './onebot.types';

/**
 * Every OneBot action of a robot: answered in the standard shape, an unknown or meaningless one with retcode 1404 at
 * once. Sends go through the robot's send governor and are recorded in the message log with the client. PART
 * actions.
 */
@Injectable()
export class OneBotActions {
  handle(_robotId: number, _req: ActionRequest, _client: ClientInfo): Promise<ActionResponse> {
    throw new Error('not implemented');
  }
}
