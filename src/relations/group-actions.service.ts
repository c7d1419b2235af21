import { Injectable, Optional } from '@nestjs/common';
import { AuditTrail } from '../audit/audit.service';
import { badRequest, conflict } from '../common/domain-error';
import type { RobotClient } from '../gewe/robot-client';
import { DirectoryService } from '../directory/directory.service';
import { RobotService } from '../robot/robot.service';
import { MessengerFactory } from '../sending/messenger.factory';
import {
  GroupAnnouncementResponseDto,
  GroupInviteResponseDto,
  GroupMembersResultDto,
  GroupOkResponseDto,
  GroupQrCodeResponseDto,
} from './dto/group-action.dto';
import { refusalMapped } from './gewe-refusal';

/**
 * WeChat adds invitees to a group of fewer than 40 members at once; from 40 members on it sends each an invitation
 * link (a card they must accept). Gewe's one call for both is /group/inviteMember — its `reason` is the text shown
 * on the invitation — so the count decides only what the answer (and the console) tells the operator.
 */
export const DIRECT_INVITE_LIMIT = 40;

/**
 * Group actions through a robot's governed Gewe client: invite (paced by the send governor, as the pacing table in
 * sending/governed-gewe-client.ts says), remove, rename, announcement, quit, QR code. Gewe's refusals become
 * GROUP_NOT_OWNER / GEWE_PAID_FEATURE (gewe-refusal.ts).
 */
@Injectable()
export class GroupActionsService {
  constructor(
    private readonly robots: RobotService,
    private readonly messengers: MessengerFactory,
    private readonly audit: AuditTrail,
    /** What an action changed is written to the directory at once (the callbacks that follow agree). */
    @Optional() private readonly directory?: DirectoryService,
  ) {}

  async invite(robotId: number, chatId: string, wxids: string[], reason = ''): Promise<GroupInviteResponseDto> {
    const gewe = await this.client(robotId, chatId);
    const info = await refusalMapped(chatId, () => gewe.group.getChatroomInfo(chatId));
    const memberCount = info.memberList.length > 0 ? info.memberList.length : null;
    const mode = memberCount !== null && memberCount >= DIRECT_INVITE_LIMIT ? 'invitation' : 'direct';
    await refusalMapped(chatId, () => gewe.group.inviteMember(chatId, wxids, reason));
    this.audit.note({ mode, memberCount });
    return { chatId, wxids, memberCount, mode };
  }

  async remove(robotId: number, chatId: string, wxids: string[]): Promise<GroupMembersResultDto> {
    const gewe = await this.client(robotId, chatId);
    await refusalMapped(chatId, () => gewe.group.removeMember(chatId, wxids));
    await this.directory?.removeMembers(robotId, chatId, wxids);
    return { chatId, wxids };
  }

  async rename(robotId: number, chatId: string, name: string): Promise<GroupOkResponseDto> {
    const gewe = await this.client(robotId, chatId);
    await refusalMapped(chatId, () => gewe.group.modifyChatroomName(chatId, name));
    await this.directory?.saveContacts(robotId, [{ wxid: chatId, kind: 'group', nickname: name }]);
    return { chatId, ok: true };
  }

  async announcement(robotId: number, chatId: string): Promise<GroupAnnouncementResponseDto> {
    const gewe = await this.client(robotId, chatId);
    const a = await refusalMapped(chatId, () => gewe.group.getChatroomAnnouncement(chatId));
    const at = typeof a?.publishTime === 'number' && a.publishTime > 0 ? new Date(a.publishTime * 1000) : null;
    return {
      chatId,
      content: typeof a?.announcement === 'string' ? a.announcement : '',
      editor: typeof a?.announcementEditor === 'string' && a.announcementEditor ? a.announcementEditor : null,
      publishedAt: at ? at.toISOString() : null,
    };
  }

  async setAnnouncement(robotId: number, chatId: string, content: string): Promise<GroupOkResponseDto> {
    const gewe = await this.client(robotId, chatId);
    this.audit.note({ contentLength: content.length });
    await refusalMapped(chatId, () => gewe.group.setChatroomAnnouncement(chatId, content));
    return { chatId, ok: true };
  }

  async quit(robotId: number, chatId: string): Promise<GroupOkResponseDto> {
    const gewe = await this.client(robotId, chatId);
    await refusalMapped(chatId, () => gewe.group.quitChatroom(chatId));
    await this.directory?.saveContacts(robotId, [{ wxid: chatId, deleted: true }]);
    return { chatId, ok: true };
  }

  async qrCode(robotId: number, chatId: string): Promise<GroupQrCodeResponseDto> {
    const gewe = await this.client(robotId, chatId);
    const qr = await refusalMapped(chatId, () => gewe.group.getChatroomQrCode(chatId));
    const base64 = typeof qr?.qrBase64 === 'string' ? qr.qrBase64.replace(/^data:image\/\w+;base64,/, '') : '';
    return {
      chatId,
      dataUrl: `data:image/jpeg;base64,${base64}`,
      tips: typeof qr?.qrTips === 'string' && qr.qrTips ? qr.qrTips : null,
    };
  }

  /** The robot's governed client, once the chat is a group and the robot online. */
  private async client(robotId: number, chatId: string): Promise<RobotClient> {
    if (!/^[^\s,]{1,90}@chatroom$/.test(chatId))
      throw badRequest('NOT_A_GROUP', `chat_id must be a group id such as 123456789@chatroom`, { id: chatId });
    const robot = await this.robots.entity(robotId);
    if (robot.status !== 'online')
      throw conflict('ROBOT_NOT_ONLINE', `Robot ${robotId} is not online (status ${robot.status}); log it in first`, {
        id: robotId,
        status: robot.status,
      });
    return this.messengers.forRobot(robot).gewe;
  }
}
