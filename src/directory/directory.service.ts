import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, In, Repository } from 'typeorm';
import { notFound } from '../common/domain-error';
import { containsPattern } from '../common/like';
import type { Page } from '../common/dto/pagination.dto';
import type { ContactInfo } from '../gewe/modules/contact.api';
import type { ChatroomInfo, ChatroomMember } from '../gewe/modules/group.api';
import { RobotService } from '../robot/robot.service';
import { ContactEntity, ContactKind } from './contact.entity';
import { ContactListQueryDto, ContactResponseDto, MemberListQueryDto, MemberResponseDto } from './dto/directory.dto';
import { GroupMemberEntity } from './group-member.entity';

/** What a callback or a Gewe answer says about a contact; undefined leaves a column as it is. */
export interface ContactFacts {
  wxid: string;
  kind?: ContactKind;
  nickname?: string | null;
  remark?: string | null;
  alias?: string | null;
  avatar?: string | null;
  ownerWxid?: string | null;
  memberCount?: number | null;
  deleted?: boolean;
  syncedAt?: Date | null;
}

export interface MemberFacts {
  wxid: string;
  nickname?: string | null;
  displayName?: string | null;
  avatar?: string | null;
  inviterWxid?: string | null;
}

const FACT_COLUMNS = [
  'kind',
  'nickname',
  'remark',
  'alias',
  'avatar',
  'ownerWxid',
  'memberCount',
  'deleted',
  'syncedAt',
] as const;
const MEMBER_COLUMNS = ['nickname', 'displayName', 'avatar', 'inviterWxid'] as const;

/** The kind an id says it is, for an entry first seen without one. */
export function kindOfId(wxid: string): ContactKind {
  if (wxid.endsWith('@chatroom')) return 'group';
  if (wxid.startsWith('gh_')) return 'official';
  return 'stranger';
}

const clean = (v: string | null | undefined): string | null => {
  const t = typeof v === 'string' ? v.trim() : '';
  return t === '' ? null : t;
};

/** A contact's facts from getBriefInfo / getDetailInfo. */
export function contactFacts(info: ContactInfo): Omit<ContactFacts, 'kind'> {
  return {
    wxid: info.userName,
    nickname: clean(info.nickName),
    remark: clean(info.remark),
    alias: clean(info.alias),
    avatar: clean(info.smallHeadImgUrl) ?? clean(info.bigHeadImgUrl),
  };
}

/** A group's facts from getChatroomInfo. */
export function groupFacts(info: ChatroomInfo): ContactFacts {
  return {
    wxid: info.chatroomId,
    kind: 'group',
    nickname: clean(info.nickName),
    remark: clean(info.remark),
    avatar: clean(info.smallHeadImgUrl),
    ownerWxid: clean(info.chatRoomOwner),
    memberCount: info.memberList.length,
    deleted: false,
  };
}

export function memberFacts(m: ChatroomMember): MemberFacts {
  return {
    wxid: m.wxid,
    nickname: clean(m.nickName),
    displayName: clean(m.displayName),
    avatar: clean(m.smallHeadImgUrl) ?? clean(m.bigHeadImgUrl),
    inviterWxid: clean(m.inviterUserName),
  };
}

/** The name people see: a remark first, then the nickname. */
export const contactName = (c: { remark: string | null; nickname: string | null }): string | null =>
  c.remark ?? c.nickname;
/** A member's name in the group: their name card there first. */
export const memberName = (m: { displayName: string | null; nickname: string | null }): string | null =>
  m.displayName ?? m.nickname;

/**
 * A robot's directory: its contacts and groups (`contacts`) and the members of its groups (`group_members`), read by
 * the API, written by the sync and by the callbacks that tell of a change. (The names beside ids of other answers:
 * DirectoryNames.)
 */
@Injectable()
export class DirectoryService {
  constructor(
    @InjectRepository(ContactEntity) private readonly contacts: Repository<ContactEntity>,
    @InjectRepository(GroupMemberEntity) private readonly members: Repository<GroupMemberEntity>,
    private readonly robots: RobotService,
  ) {}

  async list(robotId: number, q: ContactListQueryDto): Promise<Page<ContactResponseDto>> {
    await this.robots.entity(robotId);
    const qb = this.contacts.createQueryBuilder('c').where('c.robot_id = :robotId', { robotId });
    if (q.kind) qb.andWhere('c.kind = :kind', { kind: q.kind });
    if (!q.deleted) qb.andWhere('c.deleted = :deleted', { deleted: false });
    if (q.q) {
      const like = containsPattern(q.q);
      qb.andWhere(
        new Brackets((w) =>
          w
            .where("c.wxid LIKE :like ESCAPE '!'", { like })
            .orWhere("c.nickname LIKE :like ESCAPE '!'", { like })
            .orWhere("c.remark LIKE :like ESCAPE '!'", { like })
            .orWhere("c.alias LIKE :like ESCAPE '!'", { like }),
        ),
      );
    }
    const [rows, total] = await qb
      .orderBy('c.kind', 'ASC')
      .addOrderBy('COALESCE(c.remark, c.nickname, c.wxid)', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .skip((q.page - 1) * q.limit)
      .take(q.limit)
      .getManyAndCount();
    return { items: rows.map(contactView), total, page: q.page, limit: q.limit };
  }

  async get(robotId: number, wxid: string): Promise<ContactResponseDto> {
    await this.robots.entity(robotId);
    const row = await this.contacts.findOne({ where: { robotId, wxid } });
    if (!row) throw notFound('CONTACT_NOT_FOUND', `Robot ${robotId} has no contact ${wxid}`, { id: robotId, wxid });
    return contactView(row);
  }

  async memberPage(robotId: number, chatId: string, q: MemberListQueryDto): Promise<Page<MemberResponseDto>> {
    await this.robots.entity(robotId);
    const qb = this.members
      .createQueryBuilder('m')
      .where('m.robot_id = :robotId', { robotId })
      .andWhere('m.chat_id = :chatId', { chatId });
    if (q.q) {
      const like = containsPattern(q.q);
      qb.andWhere(
        new Brackets((w) =>
          w
            .where("m.wxid LIKE :like ESCAPE '!'", { like })
            .orWhere("m.nickname LIKE :like ESCAPE '!'", { like })
            .orWhere("m.display_name LIKE :like ESCAPE '!'", { like }),
        ),
      );
    }
    const [rows, total] = await qb
      .orderBy('COALESCE(m.display_name, m.nickname, m.wxid)', 'ASC')
      .addOrderBy('m.id', 'ASC')
      .skip((q.page - 1) * q.limit)
      .take(q.limit)
      .getManyAndCount();
    return { items: rows.map(memberView), total, page: q.page, limit: q.limit };
  }

  /** Every member of a group as stored (for a plugin, a picker). */
  async membersOf(robotId: number, chatId: string): Promise<MemberResponseDto[]> {
    const rows = await this.members.find({ where: { robotId, chatId }, order: { id: 'ASC' } });
    return rows.map(memberView);
  }

  /** The entries of `wxids` the directory holds. */
  async known(robotId: number, wxids: readonly string[]): Promise<Map<string, ContactEntity>> {
    if (!wxids.length) return new Map();
    const rows = await this.contacts.find({ where: { robotId, wxid: In([...new Set(wxids)]) } });
    return new Map(rows.map((r) => [r.wxid, r]));
  }

  // ─────────────────────────── writes ───────────────────────────

  /**
   * Writes what is known of these entries: a new one is inserted (its kind from `kind` or its id), a known one gets
   * the columns given (undefined leaves a column alone; a null name never replaces a known one).
   */
  async saveContacts(robotId: number, facts: readonly ContactFacts[]): Promise<void> {
    if (!facts.length) return;
    const existing = await this.known(
      robotId,
      facts.map((f) => f.wxid),
    );
    const inserts: Partial<ContactEntity>[] = [];
    for (const f of facts) {
      const row = existing.get(f.wxid);
      if (!row) {
        const fresh: Partial<ContactEntity> = {
          robotId,
          wxid: f.wxid,
          kind: f.kind ?? kindOfId(f.wxid),
          nickname: f.nickname ?? null,
          remark: f.remark ?? null,
          alias: f.alias ?? null,
          avatar: f.avatar ?? null,
          ownerWxid: f.ownerWxid ?? null,
          memberCount: f.memberCount ?? null,
          deleted: f.deleted ?? false,
          syncedAt: f.syncedAt ?? null,
        };
        existing.set(f.wxid, fresh as ContactEntity);
        inserts.push(fresh);
        continue;
      }
      const patch: Partial<ContactEntity> = {};
      for (const k of FACT_COLUMNS) {
        const v = f[k];
        if (v === undefined) continue;
        if (v === null && (k === 'nickname' || k === 'avatar') && row[k] !== null) continue;
        if (row[k] instanceof Date && v instanceof Date ? row[k].getTime() === v.getTime() : row[k] === v) continue;
        (patch as Record<string, unknown>)[k] = v;
      }
      if (Object.keys(patch).length) {
        Object.assign(row, patch);
        await this.contacts.update({ id: row.id }, patch);
      }
    }
    if (inserts.length) await this.contacts.createQueryBuilder().insert().values(inserts).orIgnore().execute();
  }

  /** The group's members are exactly these (after a getChatroomInfo). */
  async replaceMembers(robotId: number, chatId: string, facts: readonly MemberFacts[]): Promise<void> {
    await this.members.manager.transaction(async (em) => {
      const repo = em.getRepository(GroupMemberEntity);
      const current = await repo.find({ where: { robotId, chatId } });
      const byWxid = new Map(current.map((m) => [m.wxid, m]));
      const keep = new Set(facts.map((f) => f.wxid));
      const gone = current.filter((m) => !keep.has(m.wxid)).map((m) => m.id);
      if (gone.length) await repo.delete({ id: In(gone) });
      await this.writeMembers(repo, robotId, chatId, facts, byWxid);
    });
  }

  /** These people are in the group (a join notice): added, or their names refreshed. */
  async addMembers(robotId: number, chatId: string, facts: readonly MemberFacts[]): Promise<void> {
    if (!facts.length) return;
    const current = await this.members.find({ where: { robotId, chatId, wxid: In(facts.map((f) => f.wxid)) } });
    await this.writeMembers(this.members, robotId, chatId, facts, new Map(current.map((m) => [m.wxid, m])));
  }

  async removeMembers(robotId: number, chatId: string, wxids: readonly string[]): Promise<void> {
    if (wxids.length) await this.members.delete({ robotId, chatId, wxid: In([...wxids]) });
  }

  private async writeMembers(
    repo: Repository<GroupMemberEntity>,
    robotId: number,
    chatId: string,
    facts: readonly MemberFacts[],
    byWxid: Map<string, GroupMemberEntity>,
  ): Promise<void> {
    const inserts: Partial<GroupMemberEntity>[] = [];
    for (const f of facts) {
      const row = byWxid.get(f.wxid);
      if (!row) {
        inserts.push({
          robotId,
          chatId,
          wxid: f.wxid,
          nickname: f.nickname ?? null,
          displayName: f.displayName ?? null,
          avatar: f.avatar ?? null,
          inviterWxid: f.inviterWxid ?? null,
        });
        continue;
      }
      const patch: Partial<GroupMemberEntity> = {};
      for (const k of MEMBER_COLUMNS) {
        const v = f[k];
        if (v === undefined || row[k] === v) continue;
        if (v === null && k !== 'displayName' && row[k] !== null) continue;
        (patch as Record<string, unknown>)[k] = v;
      }
      if (Object.keys(patch).length) await repo.update({ id: row.id }, patch);
    }
    for (let i = 0; i < inserts.length; i += 200)
      await repo
        .createQueryBuilder()
        .insert()
        .values(inserts.slice(i, i + 200))
        .orIgnore()
        .execute();
  }

  /** Entries of the given kinds not fetched since `since` (the sync's next batch). */
  async unsynced(robotId: number, kinds: readonly ContactKind[], since: Date, limit: number): Promise<string[]> {
    const rows = await this.contacts
      .createQueryBuilder('c')
      .select(['c.wxid'])
      .where('c.robot_id = :robotId', { robotId })
      .andWhere('c.kind IN (:...kinds)', { kinds })
      .andWhere('c.deleted = :deleted', { deleted: false })
      .andWhere(new Brackets((w) => w.where('c.synced_at IS NULL').orWhere('c.synced_at < :since', { since })))
      .orderBy('c.id', 'ASC')
      .limit(limit)
      .getMany();
    return rows.map((r) => r.wxid);
  }

  async countOf(robotId: number, kinds: readonly ContactKind[]): Promise<number> {
    return this.contacts.count({ where: { robotId, kind: In([...kinds]), deleted: false } });
  }

  /** Friends the address book no longer lists: strangers now (their rows and names stay for old messages). */
  async demoteFriends(robotId: number, listed: ReadonlySet<string>): Promise<void> {
    const friends = await this.contacts.find({ where: { robotId, kind: 'friend' }, select: { id: true, wxid: true } });
    const gone = friends.filter((f) => !listed.has(f.wxid)).map((f) => f.id);
    for (let i = 0; i < gone.length; i += 500)
      await this.contacts.update({ id: In(gone.slice(i, i + 500)) }, { kind: 'stranger' });
  }
}

export function contactView(c: ContactEntity): ContactResponseDto {
  return {
    wxid: c.wxid,
    kind: c.kind,
    name: contactName(c),
    nickname: c.nickname,
    remark: c.remark,
    alias: c.alias,
    avatar: c.avatar,
    ownerWxid: c.ownerWxid,
    memberCount: c.memberCount,
    deleted: c.deleted,
    syncedAt: c.syncedAt ? new Date(c.syncedAt).toISOString() : null,
    updatedAt: new Date(c.updatedAt).toISOString(),
  };
}

export function memberView(m: GroupMemberEntity): MemberResponseDto {
  return {
    wxid: m.wxid,
    name: memberName(m),
    nickname: m.nickname,
    displayName: m.displayName,
    avatar: m.avatar,
    inviterWxid: m.inviterWxid,
  };
}
