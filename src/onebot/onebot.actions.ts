import { Injectable, Logger } from '@nestjs/common';
import { classify } from '../callback/classify';
import { parseJsonBigSafe } from '../common/bigint-json';
import { DomainError } from '../common/domain-error';
import { PACKAGE } from '../common/package-info';
import type { ContactInfo } from '../gewe/modules/contact.api';
import type { ChatroomInfo, ChatroomMember, ChatroomMemberList } from '../gewe/modules/group.api';
import type { SentMessage } from '../gewe/modules/message.api';
import type { RobotClient } from '../gewe/robot-client';
import type { MessageEntity } from '../message-log/message.entity';
import { MessageLogService } from '../message-log/message-log.service';
import type { RobotEntity } from '../robot/robot.entity';
import { RobotService } from '../robot/robot.service';
import { MessengerFactory } from '../sending/messenger.factory';
import { SendGovernor } from '../sending/send-governor';
import { toOneBotEvents } from './onebot-events';
import { OneBotIdStore } from './onebot-ids.service';
import { OneBotMedia } from './onebot-media';
import type { MediaKind } from './onebot-media';
import { OneBotSettingsService } from './onebot-settings.service';
import { ActionError, RETCODE } from './onebot.types';
import type {
  ActionRequest,
  ActionResponse,
  ClientInfo,
  IdMapper,
  MessageRef,
  OneBotEvent,
  OneBotId,
  OneBotSettings,
  Segment,
} from './onebot.types';
import { decodeRequestFlag } from './request-flag';
import { parseMessage, toCq } from './segments';
import { executeSend, planSend, sentBefore } from './send-plan';
import type { GeweSend, PlanContext } from './send-plan';

/**
 * Actions of the standard (and of go-cqhttp, which clients also probe) that WeChat has nothing for: answered 1404 at
 * once, like an unknown action, so a client that probes them on connect (Koishi) never waits.
 */
export const NO_WECHAT_MEANING: readonly string[] = [
  'set_group_ban',
  'set_group_whole_ban',
  'set_group_anonymous_ban',
  'set_group_anonymous',
  'send_like',
  'get_cookies',
  'get_csrf_token',
  'get_credentials',
  'set_restart',
  'clean_cache',
  'set_group_special_title',
  'get_group_honor_info',
  'send_group_forward_msg',
  'send_private_forward_msg',
  'get_forward_msg',
  'get_group_system_msg',
  'get_group_msg_history',
  'get_essence_msg_list',
  'set_essence_msg',
  'delete_essence_msg',
  'get_guild_service_profile',
  'get_guild_list',
  'ocr_image',
  'get_online_clients',
  'set_qq_profile',
];

/** How long a lookup (contacts, groups, members) is kept: a framework asking member info per @ costs one Gewe call. */
export const LOOKUP_TTL_MS = 60_000;
const BRIEF_BATCH = 100;
/** Accounts in every contact list that are WeChat's own services, not friends. */
const SYSTEM_ACCOUNTS = new Set(['weixin', 'medianote', 'filehelper', 'fmessage', 'floatbottle', 'qmessage', 'qqmail']);

/** Everything one action call needs, resolved once. */
interface Call {
  robotId: number;
  robot: RobotEntity;
  params: Record<string, unknown>;
  client: ClientInfo;
  settings: OneBotSettings;
  ids: IdMapper;
  /** The robot's governed client; throws (retcode 100) when the robot is not online. */
  gewe(): RobotClient;
}

type Handler = (c: Call) => Promise<unknown>;

/** A value kept for a while, with the clock as a seam. */
export class TtlCache<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = () => Date.now(),
    private readonly max = 5_000,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = load();
    this.entries.set(key, { at: this.now(), value });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    // a failed lookup is not kept
    value.catch(() => this.entries.get(key)?.value === value && this.entries.delete(key));
    return value;
  }

  /** The value under `key` when it is kept and already there (never a load). */
  async peek(key: string): Promise<V | undefined> {
    const hit = this.entries.get(key);
    if (!hit || this.now() - hit.at >= this.ttlMs) return undefined;
    return hit.value.catch(() => undefined);
  }

  /** Forgets every key starting with `prefix`. */
  forget(prefix: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}

/**
 * Every OneBot action of a robot: answered in the standard shape, an unknown or meaningless one with retcode 1404 at
 * once. Sends go through the robot's send governor and are recorded in the message log with the client. Ids in
 * parameters go through the robot's id mapper (an alias or the raw id); answers carry the mapper's ids with the raw
 * wxid beside.
 */
@Injectable()
export class OneBotActions {
  private readonly logger = new Logger(OneBotActions.name);
  private readonly cache: TtlCache<unknown>;
  private readonly handlers: Record<string, Handler>;

  constructor(
    private readonly robots: RobotService,
    private readonly messengers: MessengerFactory,
    private readonly governor: SendGovernor,
    private readonly messages: MessageLogService,
    private readonly settingsService: OneBotSettingsService,
    private readonly idStore: OneBotIdStore,
    private readonly media: OneBotMedia,
  ) {
    this.cache = new TtlCache<unknown>(LOOKUP_TTL_MS);
    this.handlers = this.table();
  }

  /** The names of the actions answered (besides the `_async` / `_rate_limited` variants). */
  get actions(): string[] {
    return Object.keys(this.handlers);
  }

  async handle(robotId: number, req: ActionRequest, client: ClientInfo): Promise<ActionResponse> {
    const echo = req.echo;
    const answer = (r: Omit<ActionResponse, 'echo'>): ActionResponse => (echo === undefined ? r : { ...r, echo });
    const name = typeof req.action === 'string' ? req.action : '';
    const base = name.replace(/_(async|rate_limited)$/, '');
    const deferred = base !== name;
    const handler = Object.hasOwn(this.handlers, base) ? this.handlers[base] : undefined;
    if (!handler) {
      const why = NO_WECHAT_MEANING.includes(base) ? 'has no WeChat meaning' : 'is not supported';
      return answer(failed(RETCODE.NOT_FOUND, `action ${name || '(none)'} ${why}`));
    }
    const params = req.params && typeof req.params === 'object' && !Array.isArray(req.params) ? req.params : {};
    const run = async () => handler(await this.call(robotId, params, client));
    if (deferred) {
      run().catch((err: unknown) =>
        this.logger.warn(
          { robotId, action: name, client: client.id, error: (err as Error)?.message ?? String(err) },
          'A deferred OneBot action failed',
        ),
      );
      return answer({ status: 'async', retcode: RETCODE.ASYNC, data: null });
    }
    try {
      const data = await run();
      return answer({ status: 'ok', retcode: RETCODE.OK, data: data ?? null });
    } catch (err) {
      if (err instanceof ActionError) return answer(failed(err.retcode, err.message));
      const message = err instanceof DomainError ? err.message : ((err as Error)?.message ?? String(err));
      this.logger.debug({ robotId, action: name, error: message }, 'A OneBot action failed');
      return answer(failed(RETCODE.FAILED, message));
    }
  }

  private async call(robotId: number, params: Record<string, unknown>, client: ClientInfo): Promise<Call> {
    const robot = await this.robots.findById(robotId);
    if (!robot) throw new ActionError(RETCODE.FAILED, `robot ${robotId} does not exist`);
    const settings = await this.settingsService.get(robotId);
    const ids = this.idStore.mapper(robotId, settings.idMode);
    let gewe: RobotClient | null = null;
    return {
      robotId,
      robot,
      params,
      client,
      settings,
      ids,
      gewe: () => {
        if (robot.status !== 'online')
          throw new ActionError(RETCODE.FAILED, `the robot is not online (status ${robot.status})`);
        return (gewe ??= this.messengers.forRobot(robot).gewe);
      },
    };
  }

  private table(): Record<string, Handler> {
    return {
      get_login_info: async (c) => {
        const wxid = selfWxid(c);
        return { user_id: await c.ids.user(wxid), nickname: c.robot.nickname ?? '', wxid };
      },
      get_status: (c) => Promise.resolve(this.status(c)),
      get_version_info: () =>
        Promise.resolve({ app_name: 'OpenGewe', app_version: PACKAGE.version, protocol_version: 'v11' }),
      can_send_image: () => Promise.resolve({ yes: true }),
      can_send_record: () => Promise.resolve({ yes: true }),

      send_private_msg: async (c) => this.sendMessage(c, { chatId: await userParam(c, 'user_id'), isGroup: false }),
      send_group_msg: async (c) => this.sendMessage(c, { chatId: await groupParam(c, 'group_id'), isGroup: true }),
      send_msg: async (c) => this.sendMessage(c, await target(c)),
      delete_msg: (c) => this.deleteMsg(c),
      get_msg: (c) => this.getMsg(c),

      get_friend_list: (c) => this.friendList(c),
      get_stranger_info: async (c) => {
        const wxid = await userParam(c, 'user_id');
        const info = (await this.brief(c, [wxid], noCache(c))).get(wxid);
        if (!info) throw new ActionError(RETCODE.FAILED, `no profile of ${wxid}`);
        return {
          user_id: await c.ids.user(wxid),
          nickname: info.nickName ?? '',
          sex: sexOf(info.sex),
          age: 0,
          remark: info.remark ?? '',
          wxid,
        };
      },
      get_group_list: (c) => this.groupList(c),
      get_group_info: async (c) => {
        const chatId = await groupParam(c, 'group_id');
        const info = await this.cached(c, `ginfo:${chatId}`, noCache(c), () => c.gewe().group.getChatroomInfo(chatId));
        return {
          group_id: await c.ids.group(chatId),
          group_name: info.nickName ?? '',
          member_count: info.memberList.length,
          max_member_count: 500,
          wxid: chatId,
        };
      },
      get_group_member_list: async (c) => {
        const chatId = await groupParam(c, 'group_id');
        const list = await this.memberList(c, chatId, noCache(c));
        const groupId = await c.ids.group(chatId);
        const out: Record<string, unknown>[] = [];
        for (const m of list.memberList) out.push(await memberInfo(c, groupId, m, list));
        return out;
      },
      get_group_member_info: async (c) => {
        const chatId = await groupParam(c, 'group_id');
        const wxid = await userParam(c, 'user_id');
        const list = await this.memberList(c, chatId, noCache(c));
        let member: ChatroomMember | undefined = list.memberList.find((m) => m.wxid === wxid);
        if (!member) {
          const [detail] = await c.gewe().group.getChatroomMemberDetail(chatId, [wxid]);
          if (!detail?.userName) throw new ActionError(RETCODE.FAILED, `${wxid} is not a member of ${chatId}`);
          member = { wxid, nickName: detail.nickName ?? null, displayName: null };
        }
        return memberInfo(c, await c.ids.group(chatId), member, list);
      },

      set_group_kick: async (c) => {
        const chatId = await groupParam(c, 'group_id');
        await c.gewe().group.removeMember(chatId, [await userParam(c, 'user_id')]);
        this.forgetGroup(c, chatId);
      },
      set_group_leave: async (c) => {
        const chatId = await groupParam(c, 'group_id');
        if (bool(c, 'is_dismiss', false)) await c.gewe().group.disbandChatroom(chatId);
        else await c.gewe().group.quitChatroom(chatId);
        this.forgetGroup(c, chatId);
      },
      set_group_name: async (c) => {
        const chatId = await groupParam(c, 'group_id');
        await c.gewe().group.modifyChatroomName(chatId, str(c, 'group_name'));
        this.forgetGroup(c, chatId);
      },
      set_group_card: async (c) => {
        const chatId = await groupParam(c, 'group_id');
        const wxid = await userParam(c, 'user_id');
        if (wxid !== selfWxid(c))
          throw new ActionError(RETCODE.BAD_REQUEST, 'user_id: WeChat only lets the robot set its own group card');
        await c.gewe().group.modifyChatroomNickNameForSelf(chatId, str(c, 'card', { allowEmpty: true }));
        this.forgetGroup(c, chatId);
      },
      set_group_admin: async (c) => {
        const chatId = await groupParam(c, 'group_id');
        const wxid = await userParam(c, 'user_id');
        await c.gewe().group.adminOperate(chatId, [wxid], bool(c, 'enable', true) ? 1 : 2);
        this.forgetGroup(c, chatId);
      },
      set_friend_add_request: (c) => this.friendRequest(c),
      set_group_add_request: (c) => this.groupRequest(c),
      get_image: (c) => this.localMedia(c, 'image'),
      get_record: (c) => this.localMedia(c, 'record'),

      wx_get_group_announcement: async (c) => {
        const chatId = await groupParam(c, 'group_id');
        const a = await c.gewe().group.getChatroomAnnouncement(chatId);
        const editor = a.announcementEditor ?? null;
        return {
          group_id: await c.ids.group(chatId),
          text: a.announcement ?? '',
          editor_id: editor ? await c.ids.user(editor) : null,
          editor_wxid: editor,
          publish_time: a.publishTime ?? 0,
        };
      },
      wx_set_group_announcement: async (c) => {
        const chatId = await groupParam(c, 'group_id');
        await c.gewe().group.setChatroomAnnouncement(chatId, str(c, 'content'));
      },
      wx_invite_group_member: async (c) => {
        const chatId = await groupParam(c, 'group_id');
        const given = c.params.user_ids ?? c.params.user_id;
        const list = Array.isArray(given) ? given : given === undefined ? [] : [given];
        if (list.length === 0) throw new ActionError(RETCODE.BAD_REQUEST, 'user_ids: missing');
        const wxids: string[] = [];
        for (const id of list) {
          const wxid = await c.ids.userWxid(id);
          if (!wxid) throw new ActionError(RETCODE.BAD_REQUEST, `user_ids: unknown id ${String(id)}`);
          wxids.push(wxid);
        }
        const reason = c.params.reason === undefined ? '' : str(c, 'reason', { allowEmpty: true });
        await c.gewe().group.inviteMember(chatId, wxids, reason);
        this.forgetGroup(c, chatId);
      },
      wx_send_name_card: async (c) => {
        const to = await target(c);
        const card = await c.ids.userWxid(required(c, 'card_user_id'));
        if (!card) throw new ActionError(RETCODE.BAD_REQUEST, 'card_user_id: unknown id');
        const nickname =
          c.params.nickname !== undefined
            ? str(c, 'nickname')
            : ((await this.brief(c, [card], false)).get(card)?.nickName ?? card);
        const sent = await c.gewe().message.postNameCard(to.chatId, nickname, card);
        return { message_id: await this.recordSends(c, to, [{ kind: 'card', text: `[card] ${nickname}` }], [sent]) };
      },
      wx_revoke_msg: async (c) => {
        const to = await target(c);
        const id = (name: string) => {
          const v = required(c, name);
          if ((typeof v !== 'string' && typeof v !== 'number') || !/^\d+$/.test(String(v)))
            throw new ActionError(RETCODE.BAD_REQUEST, `${name}: must be the integer of the send answer`);
          return String(v);
        };
        await c.gewe().message.revokeMsg(to.chatId, id('msg_id'), id('new_msg_id'), id('create_time'));
      },
      wx_forward_msg: (c) => this.forward(c),
    };
  }

  private status(c: Call): Record<string, unknown> {
    const online = c.robot.status === 'online';
    const st = this.governor.report().find((s) => s.robotId === c.robotId);
    return {
      online,
      good: online,
      stat: {
        message_sent: st?.sent ?? 0,
        send_delayed: st?.delayed ?? 0,
        send_delay_ms_total: st?.totalDelayMs ?? 0,
      },
      wx_status: c.robot.status,
      wx_send_backlog: st?.queued ?? 0,
    };
  }

  // ---- messages

  private async sendMessage(c: Call, to: Target): Promise<{ message_id: OneBotId }> {
    if (c.params.message === undefined || c.params.message === null)
      throw new ActionError(RETCODE.BAD_REQUEST, 'message: missing');
    let segments: Segment[];
    try {
      segments = parseMessage(c.params.message, bool(c, 'auto_escape', false));
    } catch (err) {
      if (err instanceof ActionError) throw err;
      throw new ActionError(RETCODE.BAD_REQUEST, `message: ${(err as Error).message}`);
    }
    if (segments.length === 0) throw new ActionError(RETCODE.BAD_REQUEST, 'message: empty');
    const gewe = c.gewe();
    const ctx: PlanContext = {
      ids: c.ids,
      chatId: to.chatId,
      isGroup: to.isGroup,
      memberName: (wxid) => this.memberName(c, to, wxid),
      hostMedia: (source, kind) => this.media.host(source, kind),
      quoted: (ref) => this.quoted(c, to, ref),
    };
    const plan = await planSend(segments, ctx);
    if (plan.length === 0) throw new ActionError(RETCODE.BAD_REQUEST, 'message: nothing to send');
    const described = plan.map(describe);
    let sent: SentMessage[];
    try {
      sent = await executeSend(gewe, to.chatId, plan);
    } catch (err) {
      // what went out before the failure is in the chat: it is logged too, then the failure answered
      const before = sentBefore(err);
      if (before.length) await this.recordSends(c, to, described, before);
      throw err;
    }
    return { message_id: await this.recordSends(c, to, described, sent) };
  }

  /** Logs each send (the message log shows the client) and answers the first one's alias. */
  private async recordSends(
    c: Call,
    to: Target,
    described: readonly Described[],
    sent: readonly SentMessage[],
  ): Promise<OneBotId> {
    let first: OneBotId | null = null;
    for (let i = 0; i < sent.length; i++) {
      const s = sent[i];
      const step = described[i] ?? described[described.length - 1] ?? { kind: 'text', text: null };
      const createTime = Number(s.createTime);
      const newMsgId = String(s.newMsgId);
      const msgId = s.msgId === undefined || s.msgId === null ? null : String(s.msgId);
      let logId: number | null = null;
      try {
        logId = await this.messages.recordSent({
          robotId: c.robotId,
          chatId: to.chatId,
          isGroup: to.isGroup,
          kind: step.kind,
          text: step.text,
          newMsgId,
          msgId,
          createTime: Number.isFinite(createTime) ? createTime : null,
          sentBy: { via: 'onebot', client: c.client.id, transport: c.client.transport, remote: c.client.remote },
        });
      } catch (err) {
        // the send happened: a log failure must not make the client send it again
        this.logger.warn(
          { robotId: c.robotId, newMsgId, error: (err as Error).message },
          'A OneBot send was not logged',
        );
      }
      const alias = await c.ids.message({
        robotId: c.robotId,
        newMsgId,
        msgId,
        createTime: Number.isFinite(createTime) ? createTime : null,
        chatId: to.chatId,
        messageLogId: logId,
      });
      first ??= alias;
    }
    if (first === null) throw new ActionError(RETCODE.FAILED, 'Gewe sent nothing');
    return first;
  }

  private async deleteMsg(c: Call): Promise<null> {
    const ref = await messageParam(c);
    if (!ref.chatId || !ref.msgId || ref.createTime === null)
      throw new ActionError(
        RETCODE.FAILED,
        'message_id: not a message the robot sent (only own sends can be recalled)',
      );
    if (ref.messageLogId !== null) {
      const row = await this.messages.entity(ref.messageLogId).catch(() => null);
      if (row && !row.isSelf)
        throw new ActionError(
          RETCODE.FAILED,
          'message_id: not a message the robot sent (only own sends can be recalled)',
        );
    }
    await c.gewe().message.revokeMsg(ref.chatId, ref.msgId, ref.newMsgId, ref.createTime);
    return null;
  }

  private async getMsg(c: Call): Promise<Record<string, unknown>> {
    const ref = await messageParam(c);
    const row = ref.messageLogId === null ? null : await this.messages.entity(ref.messageLogId).catch(() => null);
    if (!row) throw new ActionError(RETCODE.FAILED, 'message_id: the message is not in the message log');
    const messageId = await c.ids.message(ref);
    const event = isSentRow(row) ? null : await this.messageEvent(c, row);
    const isGroup = row.isGroup;
    const groupId = isGroup && row.chatId ? await c.ids.group(row.chatId) : undefined;
    if (event) {
      return {
        time: event.time,
        message_type: event.message_type ?? (isGroup ? 'group' : 'private'),
        message_id: messageId,
        real_id: messageId,
        ...(groupId !== undefined ? { group_id: groupId } : {}),
        sender: event.sender ?? {},
        message: event.message,
        raw_message: event.raw_message ?? toCq(event.message as Segment[]),
      };
    }
    const senderWxid = row.isSelf ? selfWxid(c) : (row.senderWxid ?? '');
    const message: Segment[] = [{ type: 'text', data: { text: row.text ?? '' } }];
    return {
      time: row.createTime === null ? Math.floor(row.receivedAt.getTime() / 1000) : Number(row.createTime),
      message_type: isGroup ? 'group' : 'private',
      message_id: messageId,
      real_id: messageId,
      ...(groupId !== undefined ? { group_id: groupId } : {}),
      sender: {
        user_id: senderWxid ? await c.ids.user(senderWxid) : 0,
        nickname: row.isSelf ? (c.robot.nickname ?? '') : '',
        wxid: senderWxid,
      },
      message,
      raw_message: toCq(message),
    };
  }

  /** The OneBot message event of a logged callback (classified again), or null when it has none. */
  private async messageEvent(c: Call, row: MessageEntity): Promise<OneBotEvent | null> {
    let raw: unknown;
    try {
      raw = parseJsonBigSafe(row.raw);
    } catch {
      return null;
    }
    if (raw && typeof raw === 'object' && 'truncated' in raw) return null;
    const event = classify(raw, { id: c.robot.id, appId: c.robot.appId ?? '', wxid: c.robot.wxid });
    const selfId = c.robot.wxid ? await c.ids.user(c.robot.wxid) : 0;
    const events = await toOneBotEvents(event, {
      ids: c.ids,
      selfId,
      settings: c.settings,
      messageLogId: row.id,
      mediaUrl: (kind) => this.media.inbound(c.robotId, row.id, kind),
    });
    return (
      events.find((e) => (e.post_type === 'message' || e.post_type === 'message_sent') && Array.isArray(e.message)) ??
      null
    );
  }

  private async forward(c: Call): Promise<{ message_id: OneBotId }> {
    const ref = await messageParam(c);
    const to = await target(c);
    const row = ref.messageLogId === null ? null : await this.messages.entity(ref.messageLogId).catch(() => null);
    if (!row) throw new ActionError(RETCODE.FAILED, 'message_id: the message is not in the message log');
    let raw: unknown;
    try {
      raw = parseJsonBigSafe(row.raw);
    } catch {
      throw new ActionError(RETCODE.FAILED, 'message_id: the stored message cannot be read');
    }
    const event = classify(raw, { id: c.robot.id, appId: c.robot.appId ?? '', wxid: c.robot.wxid });
    const xml = event.content ?? '';
    if (!xml.includes('<')) throw new ActionError(RETCODE.FAILED, 'message_id: the stored message has no XML');
    const m = c.gewe().message;
    let sent: SentMessage;
    switch (event.kind) {
      case 'image':
        sent = await m.forwardImage(to.chatId, xml);
        break;
      case 'file':
        sent = await m.forwardFile(to.chatId, xml);
        break;
      case 'video':
        sent = await m.forwardVideo(to.chatId, xml);
        break;
      case 'link':
        sent = await m.forwardUrl(to.chatId, xml);
        break;
      default:
        throw new ActionError(RETCODE.BAD_REQUEST, `message_id: a ${event.kind} message cannot be forwarded`);
    }
    const step = { kind: event.kind, text: `[forwarded ${event.kind}] ${row.text ?? ''}`.trim() };
    return { message_id: await this.recordSends(c, to, [step], [sent]) };
  }

  // ---- contacts and groups

  private async friendList(c: Call): Promise<Record<string, unknown>[]> {
    const fresh = noCache(c);
    const list = await this.cached(c, 'contacts', fresh, () => this.contacts(c));
    const wxids = list.friends.filter((w) => !SYSTEM_ACCOUNTS.has(w) && !w.endsWith('@chatroom'));
    const infos = await this.brief(c, wxids, fresh);
    const out: Record<string, unknown>[] = [];
    for (const wxid of wxids) {
      const info = infos.get(wxid);
      out.push({ user_id: await c.ids.user(wxid), nickname: info?.nickName ?? '', remark: info?.remark ?? '', wxid });
    }
    return out;
  }

  private async groupList(c: Call): Promise<Record<string, unknown>[]> {
    const fresh = noCache(c);
    const list = await this.cached(c, 'contacts', fresh, () => this.contacts(c));
    const seen = await this.messages.groupChats(c.robotId);
    const chatIds = [...new Set([...list.chatrooms, ...seen])].filter((id) => id.endsWith('@chatroom'));
    const infos = await this.brief(c, chatIds, fresh);
    const out: Record<string, unknown>[] = [];
    for (const chatId of chatIds) {
      const info = infos.get(chatId);
      const known =
        ((await this.cache.peek(`${c.robotId}:ginfo:${chatId}`)) as ChatroomInfo | undefined) ??
        ((await this.cache.peek(`${c.robotId}:members:${chatId}`)) as ChatroomMemberList | undefined);
      out.push({
        group_id: await c.ids.group(chatId),
        group_name: info?.nickName ?? '',
        member_count: known?.memberList.length ?? 0,
        max_member_count: 500,
        wxid: chatId,
      });
    }
    return out;
  }

  /** The contact list from Gewe's cache, the slow full walk when the cache has nothing. */
  private async contacts(c: Call): Promise<{ friends: string[]; chatrooms: string[] }> {
    const gewe = c.gewe();
    try {
      const cached = await gewe.contact.fetchContactsListCache();
      if (cached.friends.length || cached.chatrooms.length) return cached;
    } catch {
      // no cached list yet: walk it
    }
    return gewe.contact.fetchContactsList();
  }

  /** Profiles by wxid (friends or groups), cached one by one, asked in batches of at most 100. */
  private async brief(c: Call, wxids: readonly string[], fresh: boolean): Promise<Map<string, ContactInfo>> {
    const out = new Map<string, ContactInfo>();
    const missing = fresh ? [...wxids] : [];
    if (!fresh)
      for (const w of wxids) {
        const hit = this.peek<ContactInfo>(c, `brief:${w}`);
        if (hit) out.set(w, hit);
        else missing.push(w);
      }
    for (let i = 0; i < missing.length; i += BRIEF_BATCH) {
      const batch = missing.slice(i, i + BRIEF_BATCH);
      const infos = await c.gewe().contact.getBriefInfo(batch);
      for (const info of infos) {
        if (!info?.userName) continue;
        out.set(info.userName, info);
        this.keep(c, `brief:${info.userName}`, info);
      }
    }
    return out;
  }

  private memberList(c: Call, chatId: string, fresh: boolean): Promise<ChatroomMemberList> {
    return this.cached(c, `members:${chatId}`, fresh, () => c.gewe().group.getChatroomMemberList(chatId));
  }

  private async memberName(c: Call, to: Target, wxid: string): Promise<string | null> {
    if (to.isGroup) {
      const list = await this.memberList(c, to.chatId, false).catch(() => null);
      const m = list?.memberList.find((x) => x.wxid === wxid);
      if (m) return m.displayName || m.nickName || null;
    }
    const info = (await this.brief(c, [wxid], false).catch(() => new Map<string, ContactInfo>())).get(wxid);
    return info?.nickName ?? null;
  }

  private async quoted(
    c: Call,
    to: Target,
    ref: MessageRef,
  ): Promise<{ fromWxid: string; displayName: string; content: string; msgType: number } | null> {
    if (ref.messageLogId === null) return null;
    const row = await this.messages.entity(ref.messageLogId).catch(() => null);
    if (!row) return null;
    const fromWxid = row.isSelf ? (c.robot.wxid ?? '') : (row.senderWxid ?? '');
    if (!fromWxid) return null;
    const displayName = row.isSelf
      ? (c.robot.nickname ?? fromWxid)
      : ((await this.memberName(c, to, fromWxid)) ?? fromWxid);
    return { fromWxid, displayName, content: row.text ?? '', msgType: row.msgType ?? 1 };
  }

  private forgetGroup(c: Call, chatId: string): void {
    this.cache.forget(`${c.robotId}:members:${chatId}`);
    this.cache.forget(`${c.robotId}:ginfo:${chatId}`);
    this.cache.forget(`${c.robotId}:brief:${chatId}`);
  }

  private cached<V>(c: Call, key: string, fresh: boolean, load: () => Promise<V>): Promise<V> {
    const k = `${c.robotId}:${key}`;
    if (fresh) this.cache.forget(k);
    return this.cache.get(k, load) as Promise<V>;
  }

  private readonly kept = new Map<string, { at: number; value: unknown }>();

  private peek<V>(c: Call, key: string): V | undefined {
    const hit = this.kept.get(`${c.robotId}:${key}`);
    return hit && Date.now() - hit.at < LOOKUP_TTL_MS ? (hit.value as V) : undefined;
  }

  private keep(c: Call, key: string, value: unknown): void {
    if (this.kept.size > 20_000) this.kept.clear();
    this.kept.set(`${c.robotId}:${key}`, { at: Date.now(), value });
  }

  // ---- requests and media

  private async friendRequest(c: Call): Promise<null> {
    const req = decodeRequestFlag(str(c, 'flag'));
    if (!req || req.kind !== 'friend') throw new ActionError(RETCODE.BAD_REQUEST, 'flag: not a friend request flag');
    const { v3, v4, scene } = req.data;
    if (typeof v3 !== 'string' || typeof v4 !== 'string')
      throw new ActionError(RETCODE.BAD_REQUEST, 'flag: the request has no v3/v4');
    const approve = bool(c, 'approve', true);
    await c.gewe().contact.addContacts({ scene: Number(scene) || 0, option: approve ? 3 : 4, v3, v4 });
    const remark = c.params.remark === undefined ? '' : str(c, 'remark', { allowEmpty: true });
    const wxid = typeof req.data.wxid === 'string' ? req.data.wxid : null;
    if (approve && remark && wxid) await c.gewe().contact.setFriendRemark(wxid, remark);
    this.cache.forget(`${c.robotId}:contacts`);
    return null;
  }

  private async groupRequest(c: Call): Promise<null> {
    const req = decodeRequestFlag(str(c, 'flag'));
    if (!req || req.kind !== 'group') throw new ActionError(RETCODE.BAD_REQUEST, 'flag: not a group request flag');
    const url = req.data.url;
    if (typeof url !== 'string' || !url) throw new ActionError(RETCODE.BAD_REQUEST, 'flag: the invite has no URL');
    // declining needs nothing on WeChat: the invite is left unanswered
    if (bool(c, 'approve', true)) await c.gewe().group.agreeJoinRoom(url);
    this.cache.forget(`${c.robotId}:contacts`);
    return null;
  }

  private async localMedia(c: Call, kind: MediaKind): Promise<{ file: string; url: string }> {
    const given = str(c, 'file');
    const m = this.media.parseInbound(given);
    if (!m || m.robotId !== c.robotId || m.kind !== kind)
      throw new ActionError(RETCODE.BAD_REQUEST, `file: not a ${kind} of this robot (pass the segment's file or url)`);
    const f = await this.media.inboundFile(m.robotId, m.messageLogId, m.kind);
    return { file: f.path, url: this.media.inbound(m.robotId, m.messageLogId, m.kind) };
  }
}

interface Target {
  chatId: string;
  isGroup: boolean;
}

function failed(retcode: number, message: string): Omit<ActionResponse, 'echo'> {
  return { status: 'failed', retcode, data: null, message, wording: message };
}

function selfWxid(c: Call): string {
  if (!c.robot.wxid) throw new ActionError(RETCODE.FAILED, 'the robot has not logged in yet (no wxid)');
  return c.robot.wxid;
}

function required(c: Call, name: string): unknown {
  const v = c.params[name];
  if (v === undefined || v === null || v === '') throw new ActionError(RETCODE.BAD_REQUEST, `${name}: missing`);
  return v;
}

function str(c: Call, name: string, o: { allowEmpty?: boolean } = {}): string {
  const v = o.allowEmpty && c.params[name] === '' ? '' : required(c, name);
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw new ActionError(RETCODE.BAD_REQUEST, `${name}: must be a string`);
  return v;
}

/** A boolean parameter; HTTP GET and form bodies send "true" / "false" / "1" / "0". */
function bool(c: Call, name: string, def: boolean): boolean {
  const v = c.params[name];
  if (v === undefined || v === null || v === '') return def;
  if (v === true || v === 1 || v === 'true' || v === '1') return true;
  if (v === false || v === 0 || v === 'false' || v === '0') return false;
  throw new ActionError(RETCODE.BAD_REQUEST, `${name}: must be true or false`);
}

function noCache(c: Call): boolean {
  return bool(c, 'no_cache', false);
}

async function userParam(c: Call, name: string): Promise<string> {
  const v = required(c, name);
  const wxid = await c.ids.userWxid(v);
  if (!wxid) throw new ActionError(RETCODE.BAD_REQUEST, `${name}: unknown id ${String(v)}`);
  return wxid;
}

async function groupParam(c: Call, name: string): Promise<string> {
  const v = required(c, name);
  const chatId = await c.ids.groupChatId(v);
  if (!chatId) throw new ActionError(RETCODE.BAD_REQUEST, `${name}: unknown id ${String(v)}`);
  return chatId;
}

async function messageParam(c: Call): Promise<MessageRef> {
  const v = required(c, 'message_id');
  const ref = await c.ids.messageRef(v);
  if (!ref) throw new ActionError(RETCODE.BAD_REQUEST, `message_id: unknown id ${String(v)}`);
  return ref;
}

/** send_msg's destination: `message_type` when given, else whichever of group_id / user_id is. */
async function target(c: Call): Promise<Target> {
  const type = c.params.message_type;
  if (type !== undefined && type !== 'private' && type !== 'group')
    throw new ActionError(RETCODE.BAD_REQUEST, 'message_type: must be private or group');
  const group = type === 'group' || (type === undefined && c.params.group_id !== undefined);
  if (!group && type === undefined && c.params.user_id === undefined)
    throw new ActionError(RETCODE.BAD_REQUEST, 'user_id: missing (or group_id)');
  return group
    ? { chatId: await groupParam(c, 'group_id'), isGroup: true }
    : { chatId: await userParam(c, 'user_id'), isGroup: false };
}

async function memberInfo(
  c: Call,
  groupId: OneBotId,
  m: ChatroomMember,
  list: ChatroomMemberList,
): Promise<Record<string, unknown>> {
  const role = m.wxid === list.chatroomOwner ? 'owner' : list.adminWxid.includes(m.wxid) ? 'admin' : 'member';
  return {
    group_id: groupId,
    user_id: await c.ids.user(m.wxid),
    nickname: m.nickName ?? '',
    card: m.displayName ?? '',
    sex: 'unknown',
    age: 0,
    area: '',
    join_time: 0,
    last_sent_time: 0,
    level: '',
    role,
    unfriendly: false,
    title: '',
    title_expire_time: 0,
    card_changeable: m.wxid === c.robot.wxid,
    wxid: m.wxid,
  };
}

function sexOf(sex: number | null | undefined): 'male' | 'female' | 'unknown' {
  return sex === 1 ? 'male' : sex === 2 ? 'female' : 'unknown';
}

function isSentRow(row: MessageEntity): boolean {
  if (!row.isSelf || !row.details) return false;
  try {
    const d = JSON.parse(row.details) as { sentBy?: unknown };
    return d.sentBy !== undefined;
  } catch {
    return false;
  }
}

/** A send as the message log records it: the event kind it would have as a callback, and its text. */
interface Described {
  kind: string;
  text: string | null;
}

function describe(step: GeweSend): Described {
  return { kind: sentKind(step), text: sentText(step) };
}

function sentKind(step: GeweSend): string {
  switch (step.kind) {
    case 'text':
    case 'image':
    case 'file':
    case 'video':
    case 'voice':
    case 'link':
    case 'card':
      return step.kind;
    case 'appmsg':
      return /<type>\s*57\s*<\/type>/.test(step.xml) ? 'quote' : 'link';
  }
}

/** The text of a send, or a one-line description of it (SentRecord.text). */
function sentText(step: GeweSend): string | null {
  switch (step.kind) {
    case 'text':
      return step.content;
    case 'image':
      return '[image]';
    case 'file':
      return `[file] ${step.fileName}`;
    case 'video':
      return '[video]';
    case 'voice':
      return '[voice]';
    case 'link':
      return `[link] ${step.title}`;
    case 'card':
      return `[card] ${step.nickname}`;
    case 'appmsg': {
      const title = /<title>([^<]*)<\/title>/.exec(step.xml)?.[1];
      return title ? title : step.xml.startsWith('[') ? step.xml : '[appmsg]';
    }
  }
}
