import { Injectable } from '@nestjs/common';
import { AuditTrail } from '../audit/audit.service';
import { badRequest, conflict } from '../common/domain-error';
import type { SentMessage } from '../gewe/modules/message.api';
import { RobotService } from '../robot/robot.service';
import { MessageSendDto, MessageSentResponseDto, SEND_FIELDS, SEND_TYPES } from './dto/message-send.dto';
import { MessengerFactory } from './messenger.factory';

/** The send API: a text, image or file through a robot, waiting its turn in the robot's send governor. */
@Injectable()
export class MessageSendService {
  constructor(
    private readonly robots: RobotService,
    private readonly messengers: MessengerFactory,
    private readonly audit: AuditTrail,
  ) {}

  async send(robotId: number, dto: MessageSendDto): Promise<MessageSentResponseDto> {
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
    const { send } = this.messengers.forRobot(robot);
    let sent: SentMessage;
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
