import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditTrail } from '../audit/audit.service';
import type { GeweEvent } from '../callback/events';
import { conflict, DomainError, notFound } from '../common/domain-error';
import type { Page } from '../common/dto/pagination.dto';
import { PluginRecordsStore } from '../plugin/plugin-records.store';
import type { RobotEntity } from '../robot/robot.entity';
import { RobotService } from '../robot/robot.service';
import { MessengerFactory } from '../sending/messenger.factory';
import {
  FriendRequestAcceptDto,
  FriendRequestAcceptResponseDto,
  FriendRequestListQueryDto,
  FriendRequestResponseDto,
} from './dto/friend-request.dto';
import { FriendRequestEntity } from './friend-request.entity';
import { refusalMapped } from './gewe-refusal';

/** The plugin whose `accepted` records mark a request accepted (plugins/FriendGate). */
const FRIEND_GATE = 'FriendGate';

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/**
 * The friend-request inbox. Rows come from `friend_request` callbacks (the pipeline hands each new one over after
 * recording it; a new request of the same asker refreshes their row and makes it pending again); the operator accepts (addContacts option 3 with the request's v3/v4/scene, then an optional greeting,
 * both through the send governor) or ignores. A request answered elsewhere shows as accepted: FriendGate's
 * `accepted` record for the asker (checked when the inbox is read), or a contact-added callback (ModContacts for the
 * asker) while it is pending.
 */
@Injectable()
export class FriendRequestService {
  private readonly logger = new Logger(FriendRequestService.name);
  /** Requests being accepted by this process: a double click answers NOT_PENDING instead of calling Gewe twice. */
  private readonly accepting = new Set<number>();
  clock: () => Date = () => new Date();

  constructor(
    @InjectRepository(FriendRequestEntity) private readonly repo: Repository<FriendRequestEntity>,
    private readonly robots: RobotService,
    private readonly messengers: MessengerFactory,
    private readonly records: PluginRecordsStore,
    private readonly audit: AuditTrail,
  ) {}

  /** A callback new to the message log (the pipeline's hook): never throws, a failure is logged. */
  async onEvent(event: GeweEvent): Promise<void> {
    try {
      if (event.kind === 'friend_request' && !event.isSelf) await this.received(event);
      else if (event.kind === 'contact_update' && event.chatId) await this.contactAdded(event.robotId, event.chatId);
    } catch (err) {
      this.logger.warn({ robotId: event.robotId, kind: event.kind, err: String(err) }, 'Friend request not noted');
    }
  }

  private async received(event: GeweEvent): Promise<void> {
    const d = event.details;
    const wxid = str(d.fromUsername) ?? str(d.encryptUsername);
    if (!wxid) return;
    const scene = Number(d.scene);
    const fields = {
      nickname: str(d.fromNickname),
      avatar: str(d.avatarUrl),
      content: typeof d.content === 'string' ? d.content : '',
      scene: d.scene !== null && d.scene !== '' && Number.isInteger(scene) ? scene : null,
      v3: str(d.encryptUsername),
      v4: str(d.ticket),
      newMsgId: event.newMsgId,
      receivedAt: event.createTime ? new Date(event.createTime * 1000) : this.clock(),
    };
    const existing = await this.repo.findOneBy({ robotId: event.robotId, wxid });
    if (!existing) {
      try {
        await this.repo.insert({ robotId: event.robotId, wxid, ...fields, status: 'pending' });
        return;
      } catch {
        // a concurrent callback of the same asker inserted first: refresh that row
      }
    }
    const row = existing ?? (await this.repo.findOneByOrFail({ robotId: event.robotId, wxid }));
    if (row.newMsgId !== null && row.newMsgId === fields.newMsgId) return;
    // asking again (WeChat sends a request only from someone who is not a friend now): a new request to answer
    await this.repo.update({ id: row.id }, { ...fields, status: 'pending', handledAt: null, handledBy: null });
  }

  private async contactAdded(robotId: number, wxid: string): Promise<void> {
    await this.repo.update(
      { robotId, wxid, status: 'pending' },
      { status: 'accepted', handledAt: this.clock(), handledBy: 'wechat' },
    );
  }

  async list(robotId: number, q: FriendRequestListQueryDto): Promise<Page<FriendRequestResponseDto>> {
    await this.robots.entity(robotId);
    await this.reconcile(robotId);
    const [rows, total] = await this.repo.findAndCount({
      where: { robotId, ...(q.status ? { status: q.status } : {}) },
      order: { receivedAt: 'DESC', id: 'DESC' },
      skip: (q.page - 1) * q.limit,
      take: q.limit,
    });
    return { items: rows.map(view), total, page: q.page, limit: q.limit };
  }

  /** Pending requests FriendGate has accepted (its `accepted` record for the asker, after the request) → accepted. */
  private async reconcile(robotId: number): Promise<void> {
    const pending = await this.repo.find({ where: { robotId, status: 'pending' }, take: 200 });
    if (!pending.length) return;
    const wxids = new Set(pending.map((p) => p.wxid));
    const page = await this.records.page(FRIEND_GATE, { kind: 'accepted', robotId, limit: 200 });
    for (const r of page.items) {
      const wxid = r.chatId;
      const row = wxid && wxids.has(wxid) ? pending.find((p) => p.wxid === wxid) : undefined;
      if (!row || new Date(r.createdAt) < row.receivedAt) continue;
      await this.repo.update(
        { id: row.id, status: 'pending' },
        { status: 'accepted', handledAt: new Date(r.createdAt), handledBy: `plugin:${FRIEND_GATE}` },
      );
      wxids.delete(wxid!);
    }
  }

  async accept(
    robotId: number,
    id: number,
    dto: FriendRequestAcceptDto,
    actor: string,
  ): Promise<FriendRequestAcceptResponseDto> {
    const row = await this.find(robotId, id);
    // accepting twice is the same accept: the row as it is, no second call to Gewe
    if (row.status === 'accepted') return { request: view(row), greeting: 'none', greetingError: null };
    if (row.status !== 'pending' || this.accepting.has(row.id))
      throw conflict('FRIEND_REQUEST_NOT_PENDING', `Friend request ${id} is ${row.status}, not pending`, {
        id,
        status: row.status,
      });
    if (!row.v3 || !row.v4 || row.scene === null)
      throw conflict(
        'FRIEND_REQUEST_INCOMPLETE',
        `Friend request ${id} has no v3/v4 tickets or scene to accept it with`,
        {
          id,
        },
      );
    const robot = await this.online(robotId);
    // the greeting is logged as the robot's own message at once, sent through the API by this actor
    const { gewe, send } = this.messengers.forRobot(robot, { via: 'api', client: actor });
    this.accepting.add(row.id);
    try {
      await refusalMapped(null, () =>
        gewe.contact.addContacts({ scene: row.scene!, option: 3, v3: row.v3!, v4: row.v4!, content: '' }),
      );
      row.status = 'accepted';
      row.handledAt = this.clock();
      row.handledBy = actor;
      await this.repo.update({ id: row.id }, { status: row.status, handledAt: row.handledAt, handledBy: actor });
    } finally {
      this.accepting.delete(row.id);
    }
    this.audit.note({ wxid: row.wxid });
    const greeting = dto.greeting?.trim() ?? '';
    if (!greeting) return { request: view(row), greeting: 'none', greetingError: null };
    try {
      await send.sendText(row.wxid, greeting);
      this.audit.note({ greeting: 'sent' });
      return { request: view(row), greeting: 'sent', greetingError: null };
    } catch (err) {
      const code = err instanceof DomainError ? err.code : 'INTERNAL_ERROR';
      this.logger.warn({ robotId, wxid: row.wxid, err: String(err) }, 'Greeting after accepting failed');
      this.audit.note({ greeting: 'failed', greetingError: code });
      return { request: view(row), greeting: 'failed', greetingError: code };
    }
  }

  /**
   * Marks the request ignored: nothing is sent to Gewe (WeChat has no "decline" the asker sees; the request simply
   * expires). Ignoring twice is the same ignore.
   */
  async ignore(robotId: number, id: number, actor: string): Promise<FriendRequestResponseDto> {
    const row = await this.find(robotId, id);
    if (row.status === 'ignored') return view(row);
    if (row.status !== 'pending' || this.accepting.has(row.id))
      throw conflict('FRIEND_REQUEST_NOT_PENDING', `Friend request ${id} is ${row.status}, not pending`, {
        id,
        status: row.status,
      });
    const handledAt = this.clock();
    const done = await this.repo.update(
      { id: row.id, status: 'pending' },
      { status: 'ignored', handledAt, handledBy: actor },
    );
    if (!done.affected) return view(await this.find(robotId, id));
    return view({ ...row, status: 'ignored', handledAt, handledBy: actor });
  }

  private async find(robotId: number, id: number): Promise<FriendRequestEntity> {
    await this.robots.entity(robotId);
    const row = await this.repo.findOneBy({ id, robotId });
    if (!row) throw notFound('FRIEND_REQUEST_NOT_FOUND', `Robot ${robotId} has no friend request ${id}`, { id });
    return row;
  }

  private async online(robotId: number): Promise<RobotEntity> {
    const robot = await this.robots.entity(robotId);
    if (robot.status !== 'online')
      throw conflict('ROBOT_NOT_ONLINE', `Robot ${robotId} is not online (status ${robot.status}); log it in first`, {
        id: robotId,
        status: robot.status,
      });
    return robot;
  }
}

function view(r: FriendRequestEntity): FriendRequestResponseDto {
  return {
    id: r.id,
    robotId: r.robotId,
    wxid: r.wxid,
    nickname: r.nickname,
    avatar: r.avatar,
    content: r.content,
    scene: r.scene,
    status: r.status,
    receivedAt: r.receivedAt.toISOString(),
    handledAt: r.handledAt ? r.handledAt.toISOString() : null,
    handledBy: r.handledBy,
  };
}
