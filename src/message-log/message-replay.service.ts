import { Injectable, Logger } from '@nestjs/common';
import { classify } from '../callback/classify';
import { parseJsonBigSafe } from '../common/bigint-json';
import { badRequest } from '../common/domain-error';
import { PluginDispatcher } from '../plugin/plugin.dispatcher';
import { RobotService } from '../robot/robot.service';
import { ReplayResponseDto } from './dto/message.dto';
import { MessageLogService } from './message-log.service';

@Injectable()
export class MessageReplayService {
  private readonly logger = new Logger(MessageReplayService.name);

  constructor(
    private readonly messages: MessageLogService,
    private readonly robots: RobotService,
    private readonly dispatcher: PluginDispatcher,
  ) {}

  /** Classifies the logged callback again and dispatches it now; the log keeps the first results. */
  async replay(id: number, plugin?: string): Promise<ReplayResponseDto> {
    const m = await this.messages.entity(id);
    const robot = await this.robots.entity(m.robotId);
    let raw: unknown;
    try {
      raw = parseJsonBigSafe(m.raw);
    } catch {
      throw badRequest('NOT_REPLAYABLE', 'The stored payload of this message cannot be read');
    }
    if (raw && typeof raw === 'object' && 'truncated' in raw)
      throw badRequest('NOT_REPLAYABLE', 'The stored payload of this message was truncated');
    const event = classify(raw, { id: robot.id, appId: robot.appId ?? '', wxid: robot.wxid });
    const results = await this.dispatcher.dispatch(event, {
      requestId: m.requestId,
      onlyPlugin: plugin,
      messageId: m.id,
      replay: true,
    });
    this.logger.log({ messageId: id, plugin, handlers: results.length }, 'Message replayed');
    return { messageId: id, results };
  }
}
