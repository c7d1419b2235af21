import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit.service';
import { badRequest, conflict } from '../common/domain-error';
import type { SentMessage } from '../gewe/modules/message.api';
import { RobotService } from '../robot/robot.service';
import { MessageSendDto, MessageSentResponseDto, SEND_FIELDS, SEND_TYPES } from './dto/message-send.dto';
import { MessengerFactory } from './messenger.factory';
import { SendJournal } from './send-journal';

/** Who asks the send API to send: the user or the API token (for the log's `sentBy` and the outgoing row). */
export interface Sender {
  userId: number | null;
  client: string | null;
}

/** The send API: a text, image or file through a robot, waiting its turn in the robot's send governor. */
@Injectable()
export class MessageSendService {
  constructor(
    private readonly robots: RobotService,
    private readonly messengers: MessengerFactory,
    private readonly audit: AuditTrail,
    private readonly journal: SendJournal,
  ) {}

  /**
   * Sends and answers once Gewe took it. The send is journaled (queued, then sent or failed: the console's send
   * state) and, once out, logged as the robot's own message sent by `sender` — Gewe's echo of it is then a repeat.
   */
  async send(
    robotId: number,
    dto: MessageSendDto,
    sender: Sender = { userId: null, client: null },
  ): Promise<MessageSentResponseDto> {
    for (const type of SEND_TYPES)
      if (type !== dto.type)
        for (const field of SEND_FIELDS[type])
          if (dto[field as keyof MessageSendDto] !== undefined)
            throw badRequest('INVALID_FIELD', `${field} is only used with type ${type}`, { field, type });
    const robot = await this.robots.entity(robotId);
    if (robot.status !== 'online')
      throw conflict('ROBOT_NOT_ONLINE', `Robot ${robotId} is not online (status ${robot.status}); log it in first`, {
        id: robotId,
        status: robot.status,
      });
    if (dto.content !== undefined) this.audit.note({ contentLength: dto.content.length });
    const { send } = this.messengers.forRobot(robot, { via: 'api', client: sender.client });
    const queued = await this.journal.queued({
      robotId,
      chatId: dto.toWxid,
      type: dto.type,
      content: (dto.type === 'text' ? dto.content : dto.type === 'image' ? dto.imageUrl : dto.fileName) ?? '',
      userId: sender.userId,
    });
    let sent: SentMessage;
    try {
      switch (dto.type) {
        case 'text':
          sent = await send.sendText(dto.toWxid, dto.content!, dto.ats);
          break;
        case 'image':
          sent = await send.sendImage(dto.toWxid, dto.imageUrl!);
          break;
        case 'file':
          sent = await send.sendFile(dto.toWxid, dto.fileUrl!, dto.fileName!);
          break;
      }
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      await this.journal.settled(queued, {
        state: 'failed',
        errorCode: typeof code === 'string' && code ? code.slice(0, 64) : 'SEND_FAILED',
      });
      throw err;
    }
    await this.journal.settled(queued, { state: 'sent', newMsgId: String(sent.newMsgId) });
    this.audit.note({ newMsgId: sent.newMsgId });
    const createTime = Number(sent.createTime);
    return {
      robotId,
      type: dto.type,
      toWxid: sent.toWxid || dto.toWxid,
      msgId: String(sent.msgId),
      newMsgId: String(sent.newMsgId),
      createTime: Number.isFinite(createTime) ? createTime : null,
    };
  }
}
