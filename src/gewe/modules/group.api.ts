import type { GeweCaller } from '../gewe-caller';
import { commaList } from '../gewe-caller';
import type { ContactInfo } from './contact.api';

export interface ChatroomMember {
  wxid: string;
  nickName: string | null;
  /** The member's name card in this group; null when they never set one. */
  displayName: string | null;
  /** Who invited them; null for the creator. */
  inviterUserName?: string | null;
  memberFlag?: number | null;
  bigHeadImgUrl?: string | null;
  smallHeadImgUrl?: string | null;
  [key: string]: unknown;
}

export interface ChatroomInfo {
  chatroomId: string;
  /** The group's name. */
  nickName?: string | null;
  pyInitial?: string | null;
  quanPin?: string | null;
  /** The remark only this account sees. */
  remark?: string | null;
  remarkPyInitial?: string | null;
  remarkQuanPin?: string | null;
  /** 1 when group messages notify, 0 when muted. */
  chatRoomNotify?: number | null;
  /** The owner's wxid. */
  chatRoomOwner?: string | null;
  smallHeadImgUrl?: string | null;
  /** Always an array (empty when Gewe sends none). */
  memberList: ChatroomMember[];
  [key: string]: unknown;
}

export interface ChatroomMemberList {
  /** Always an array (empty when Gewe sends none). */
  memberList: ChatroomMember[];
  chatroomOwner?: string | null;
  /** Always an array (empty when Gewe sends null). */
  adminWxid: string[];
  [key: string]: unknown;
}

/** A member's full profile (getChatroomMemberDetail). */
export interface ChatroomMemberDetail extends ContactInfo {
  chatRoomNotify?: number | null;
  friendUserName?: string | null;
  inviterUserName?: string | null;
  memberFlag?: number | null;
}

export interface ChatroomAnnouncement {
  announcement?: string | null;
  /** wxid of the announcement's author. */
  announcementEditor?: string | null;
  /** Unix seconds. */
  publishTime?: number | null;
  [key: string]: unknown;
}

export interface CreatedChatroom {
  chatroomId: string;
  /** The generated group avatar, base64 JPEG. */
  headImgBase64?: string | null;
  [key: string]: unknown;
}

export interface ChatroomQrCode {
  /** Base64 JPEG of the group QR code (valid 7 days). */
  qrBase64: string;
  qrTips?: string | null;
  [key: string]: unknown;
}

/** adminOperate `operType`: 1 add admins, 2 remove admins, 3 transfer ownership (to exactly one wxid). */
export type AdminOperation = 1 | 2 | 3;

/** Group endpoints (official field names; many of OpenGewe's differ). */
export class GroupApi {
  constructor(private readonly c: GeweCaller) {}

  /** Needs at least two friends besides this account. */
  async createChatroom(wxids: readonly string[]): Promise<CreatedChatroom> {
    if (wxids.length < 2) throw new RangeError(`createChatroom needs at least 2 wxids (got ${wxids.length})`);
    return this.c.call<CreatedChatroom>('/group/createChatroom', { wxids: [...wxids] });
  }

  async modifyChatroomName(chatroomId: string, chatroomName: string): Promise<void> {
    await this.c.call('/group/modifyChatroomName', { chatroomId, chatroomName });
  }

  /** The remark is visible to this account only. */
  async modifyChatroomRemark(chatroomId: string, chatroomRemark: string): Promise<void> {
    await this.c.call('/group/modifyChatroomRemark', { chatroomId, chatroomRemark });
  }

  /** This account's own name card in the group (the name the other members see). */
  async modifyChatroomNickNameForSelf(chatroomId: string, nickName: string): Promise<void> {
    await this.c.call('/group/modifyChatroomNickNameForSelf', { chatroomId, nickName });
  }

  async getChatroomInfo(chatroomId: string): Promise<ChatroomInfo> {
    const d = asRecord(await this.c.call('/group/getChatroomInfo', { chatroomId }));
    return { ...d, chatroomId: typeof d.chatroomId === 'string' ? d.chatroomId : chatroomId, memberList: members(d) };
  }

  async getChatroomMemberList(chatroomId: string): Promise<ChatroomMemberList> {
    const d = asRecord(await this.c.call('/group/getChatroomMemberList', { chatroomId }));
    const admins = Array.isArray(d.adminWxid) ? d.adminWxid.filter((s): s is string => typeof s === 'string') : [];
    return { ...d, memberList: members(d), adminWxid: admins };
  }

  async getChatroomMemberDetail(chatroomId: string, memberWxids: readonly string[]): Promise<ChatroomMemberDetail[]> {
    const data = await this.c.call('/group/getChatroomMemberDetail', { chatroomId, memberWxids: [...memberWxids] });
    return Array.isArray(data) ? (data as ChatroomMemberDetail[]) : [];
  }

  getChatroomAnnouncement(chatroomId: string): Promise<ChatroomAnnouncement> {
    return this.c.call<ChatroomAnnouncement>('/group/getChatroomAnnouncement', { chatroomId });
  }

  /** Owner or admins only. */
  async setChatroomAnnouncement(chatroomId: string, content: string): Promise<void> {
    await this.c.call('/group/setChatroomAnnouncement', { chatroomId, content });
  }

  /** `wxids` goes out as one comma-separated string, as Gewe wants it here (unlike createChatroom's array). */
  async inviteMember(chatroomId: string, wxids: string | readonly string[], reason = ''): Promise<void> {
    await this.c.call('/group/inviteMember', { chatroomId, wxids: nonEmptyList('inviteMember', wxids), reason });
  }

  /** Owner or admins only. `wxids` goes out as one comma-separated string. */
  async removeMember(chatroomId: string, wxids: string | readonly string[]): Promise<void> {
    await this.c.call('/group/removeMember', { chatroomId, wxids: nonEmptyList('removeMember', wxids) });
  }

  async quitChatroom(chatroomId: string): Promise<void> {
    await this.c.call('/group/quitChatroom', { chatroomId });
  }

  /** Owner only. */
  async disbandChatroom(chatroomId: string): Promise<void> {
    await this.c.call('/group/disbandChatroom', { chatroomId });
  }

  /**
   * Adds or removes admins, or transfers ownership. Official fields are `wxids` (an array) and `operType` (OpenGewe
   * sends `wxid` and `option`).
   */
  async adminOperate(chatroomId: string, wxids: readonly string[], operType: AdminOperation): Promise<void> {
    if (wxids.length < 1) throw new RangeError('adminOperate needs at least one wxid');
    if (operType === 3 && wxids.length !== 1)
      throw new RangeError(`adminOperate 3 (transfer ownership) takes exactly 1 wxid (got ${wxids.length})`);
    await this.c.call('/group/adminOperate', { chatroomId, wxids: [...wxids], operType });
  }

  /** Accepts a group invitation: `url` is the link of the invite message (appmsg type 5). */
  agreeJoinRoom(url: string): Promise<{ chatroomId?: string; [key: string]: unknown }> {
    return this.c.call('/group/agreeJoinRoom', { url });
  }

  /** Not available during the first 1-3 days after a new device logs in. The image is valid 7 days. */
  getChatroomQrCode(chatroomId: string): Promise<ChatroomQrCode> {
    return this.c.call<ChatroomQrCode>('/group/getChatroomQrCode', { chatroomId });
  }

  /** Pins (or unpins) the group chat. Official fields `chatroomId`, `top` (OpenGewe sends `wxid`, `option`). */
  async pinChat(chatroomId: string, top: boolean): Promise<void> {
    await this.c.call('/group/pinChat', { chatroomId, top });
  }

  /** Mutes (or unmutes) the group. Official fields `chatroomId`, `silence` (OpenGewe sends `wxid`, `option`). */
  async setMsgSilence(chatroomId: string, silence: boolean): Promise<void> {
    await this.c.call('/group/setMsgSilence', { chatroomId, silence });
  }
}

function asRecord(data: unknown): Record<string, unknown> {
  return data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

function members(d: Record<string, unknown>): ChatroomMember[] {
  return Array.isArray(d.memberList) ? (d.memberList as ChatroomMember[]) : [];
}

function nonEmptyList(method: string, wxids: string | readonly string[]): string {
  const list = commaList(wxids);
  if (!list) throw new RangeError(`${method} needs at least one wxid`);
  return list;
}
