import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { DomainError } from '../common/domain-error';
import { INSTANCE_ID } from '../common/instance-id';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { RobotStateStore } from '../coordination/robot-state.store';
import { GeweClientManager } from '../gewe/client-manager';
import type { GeweClient } from '../gewe/gewe-client';
import { BRIEF_INFO_MAX, DETAIL_INFO_MAX } from '../gewe/modules/contact.api';
import type { RobotEntity } from '../robot/robot.entity';
import { RobotService } from '../robot/robot.service';
import type { ContactKind } from './contact.entity';
import { DirectorySyncEntity } from './directory-sync.entity';
import { contactFacts, DirectoryService, groupFacts, kindOfId, memberFacts } from './directory.service';
import type { ContactFacts } from './directory.service';
import { DirectorySyncResponseDto } from './dto/directory.dto';

const PERSON_KINDS: readonly ContactKind[] = ['friend', 'official', 'stranger'];
/** A sync holds its robot's lock this long and renews it between batches (another instance takes over after it). */
const LOCK_TTL_MS = 60_000;
const syncLock = (robotId: number) => `directory-sync:${robotId}`;

/** Gewe's own system accounts in the friend list: not people. */
const SYSTEM_IDS = new Set([
  'weixin',
  'medianote',
  'filehelper',
  'fmessage',
  'floatbottle',
  'qmessage',
  'qqmail',
  'tmessage',
  'qqsync',
  'newsapp',
  'blogapp',
  'facebookapp',
  'masssendapp',
  'feedsapp',
  'voipapp',
  'officialaccounts',
  'voicevoipapp',
  'voiceinputapp',
  'linkedinplugin',
  'notifymessage',
  'helper_entry',
  'cardpackage',
  'pc_share',
  'exmail_tool',
  'notification_messages',
  'opencustomerservicemsg',
  'qqfriend',
  'lbsapp',
  'shakeapp',
  'brandsessionholder',
  'brandservicesessionholder',
  'conversationboxservice',
  'downloaderapp',
  'mphelper',
  'weibo',
  'qqwx',
  'appbrand_notify_message',
  'wxitil',
  'gh_3dfda90e39d6',
]);

/**
 * The directory sync: the address book's ids (`fetchContactsList`), then the people's details in batches of
 * `getDetailInfo`'s limit, then each group's info and members (`getChatroomInfo`), with `[directory].sync_pause`
 * between Gewe calls. Progress is in `directory_syncs`: a sync cut short (a restart, another instance's crash) goes on
 * where it was — the entries fetched since it started are not fetched again. One instance syncs a robot at a time
 * (a lock); a sync asked for while one runs answers the running one.
 *
 * Groups Gewe does not list (not saved to the address book) are learnt from callbacks: `learn` fetches a group or a
 * stranger the directory does not know yet, one at a time per robot, outside the pipeline.
 */
@Injectable()
export class DirectorySyncService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DirectorySyncService.name);
  private readonly running = new Map<number, Promise<void>>();
  private stopping = false;
  /** Ids this process has looked at already (known, fetched, or failed), per robot. */
  private readonly seen = new Map<number, Set<string>>();
  /** Ids to look up, per robot, and whether that robot's look-ups are being worked through. */
  private readonly toLearn = new Map<number, Set<string>>();
  private readonly learning = new Set<number>();
  private readonly learnt = new Set<Promise<void>>();

  constructor(
    @InjectRepository(DirectorySyncEntity) private readonly syncs: Repository<DirectorySyncEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
    private readonly directory: DirectoryService,
    private readonly robots: RobotService,
    private readonly clients: GeweClientManager,
    private readonly store: RobotStateStore,
  ) {}

  /** Syncs cut short by a restart go on (on instances that process callbacks). */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.backend.role === 'webhook') return;
    const cut = await this.syncs.find({ where: { state: 'running' } });
    for (const s of cut) {
      const robot = await this.robots.findById(s.robotId);
      if (robot) this.launch(robot, s);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running.values(), ...this.learnt]);
  }

  async status(robotId: number): Promise<DirectorySyncResponseDto> {
    await this.robots.entity(robotId);
    const [row, entries] = await Promise.all([
      this.syncs.findOne({ where: { robotId } }),
      this.directory.countOf(robotId, [...PERSON_KINDS, 'group']),
    ]);
    return syncView(robotId, row, entries);
  }

  /** Starts a sync (or answers the one running). The robot must be online. */
  async start(robotId: number): Promise<DirectorySyncResponseDto> {
    const robot = await this.robots.entity(robotId);
    if (robot.status !== 'online' || !robot.appId)
      throw new DomainError(
        'ROBOT_NOT_ONLINE',
        `Robot ${robotId} is not online (status ${robot.status}); log it in first`,
        409,
        {},
        { id: robotId, status: robot.status },
      );
    const row = await this.syncs.findOne({ where: { robotId } });
    if (row?.state === 'running' && (this.running.has(robotId) || (await this.store.holder(syncLock(robotId)))))
      return this.status(robotId);
    const fresh: DirectorySyncEntity = Object.assign(row ?? new DirectorySyncEntity(), {
      robotId,
      state: 'running' as const,
      phase: 'list',
      total: 0,
      done: 0,
      errorCode: null,
      error: null,
      startedAt: new Date(),
      finishedAt: null,
    });
    await this.syncs.save(fresh);
    this.launch(robot, fresh);
    return this.status(robotId);
  }

  /** Resolves when the robot's sync in this process has ended (tests, shutdown). */
  async settled(robotId: number): Promise<void> {
    await this.running.get(robotId);
  }

  private launch(robot: RobotEntity, sync: DirectorySyncEntity): void {
    if (this.running.has(robot.id)) return;
    const run = this.run(robot, sync)
      .catch((err: unknown) => this.logger.error({ err, robotId: robot.id }, 'Directory sync failed'))
      .finally(() => this.running.delete(robot.id));
    this.running.set(robot.id, run);
  }

  private async run(robot: RobotEntity, sync: DirectorySyncEntity): Promise<void> {
    const lock = syncLock(robot.id);
    if (!(await this.store.acquire(lock, this.instanceId, LOCK_TTL_MS))) return;
    try {
      const gewe = this.clients.forRobot(robot);
      if (sync.phase === 'list') {
        const list = await gewe.contact.fetchContactsList();
        const facts: ContactFacts[] = [
          ...list.friends
            .filter((w) => !SYSTEM_IDS.has(w))
            .map((wxid): ContactFacts => ({ wxid, kind: wxid.startsWith('gh_') ? 'official' : 'friend' })),
          ...list.chatrooms.map((wxid) => ({ wxid, kind: 'group' as const, deleted: false })),
          ...list.ghs.filter((w) => !SYSTEM_IDS.has(w)).map((wxid) => ({ wxid, kind: 'official' as const })),
        ];
        await this.directory.saveContacts(robot.id, facts);
        await this.directory.demoteFriends(robot.id, new Set(list.friends));
        sync.total = await this.directory.countOf(robot.id, [...PERSON_KINDS, 'group']);
        await this.step(sync, { phase: 'contacts', total: sync.total });
      }
      if (sync.phase === 'contacts') {
        for (;;) {
          if (this.stopping) return;
          const batch = await this.directory.unsynced(robot.id, PERSON_KINDS, sync.startedAt, DETAIL_INFO_MAX);
          if (!batch.length) break;
          await this.fetchPeople(robot.id, gewe, batch);
          await this.progress(sync, lock, batch.length);
        }
        await this.step(sync, { phase: 'groups' });
      }
      if (sync.phase === 'groups') {
        for (;;) {
          if (this.stopping) return;
          const [chatId] = await this.directory.unsynced(robot.id, ['group'], sync.startedAt, 1);
          if (!chatId) break;
          await this.fetchGroup(robot.id, gewe, chatId);
          await this.progress(sync, lock, 1);
        }
      }
      await this.step(sync, { state: 'done', phase: 'done', finishedAt: new Date() });
      this.logger.log({ robotId: robot.id, entries: sync.done }, 'Directory synced');
    } catch (err) {
      const code = err instanceof DomainError ? err.code : 'DIRECTORY_SYNC_FAILED';
      await this.step(sync, {
        state: 'failed',
        errorCode: code,
        error: (err as Error).message.slice(0, 500),
        finishedAt: new Date(),
      });
      this.logger.warn({ robotId: robot.id, code, error: (err as Error).message }, 'Directory sync failed');
    } finally {
      await this.store.release(lock, this.instanceId).catch(() => undefined);
    }
  }

  private async step(sync: DirectorySyncEntity, patch: Partial<DirectorySyncEntity>): Promise<void> {
    Object.assign(sync, patch);
    await this.syncs.update({ robotId: sync.robotId }, patch);
  }

  private async progress(sync: DirectorySyncEntity, lock: string, n: number): Promise<void> {
    await this.step(sync, { done: Math.min(sync.total || Number.MAX_SAFE_INTEGER, sync.done + n) });
    await this.store.acquire(lock, this.instanceId, LOCK_TTL_MS);
    await this.pause();
  }

  private pause(): Promise<void> {
    const ms = this.config.directory.sync_pause;
    return ms > 0 ? new Promise((r) => setTimeout(r, ms).unref()) : Promise.resolve();
  }

  /** One batch of people: their details, marked fetched (also those Gewe did not answer for, not to loop). */
  private async fetchPeople(robotId: number, gewe: GeweClient, wxids: string[]): Promise<void> {
    const infos = await gewe.contact.getDetailInfo(wxids);
    const now = new Date();
    const byId = new Map(infos.filter((i) => i?.userName).map((i) => [i.userName, i]));
    await this.directory.saveContacts(
      robotId,
      wxids.map((wxid) => {
        const info = byId.get(wxid);
        return info ? { ...contactFacts(info), syncedAt: now } : { wxid, syncedAt: now };
      }),
    );
  }

  private async fetchGroup(robotId: number, gewe: GeweClient, chatId: string): Promise<void> {
    const info = await gewe.group.getChatroomInfo(chatId);
    const now = new Date();
    if (!info.chatroomId) {
      await this.directory.saveContacts(robotId, [{ wxid: chatId, kind: 'group', syncedAt: now }]);
      return;
    }
    await this.directory.saveContacts(robotId, [{ ...groupFacts(info), wxid: chatId, syncedAt: now }]);
    await this.directory.replaceMembers(robotId, chatId, info.memberList.filter((m) => m.wxid).map(memberFacts));
  }

  // ─────────────────────────── learning from callbacks ───────────────────────────

  /**
   * Looks up ids a callback named that this process has not looked at yet: a group (its info and members) or a
   * person (brief info, as a stranger unless the directory knows them). Never waits, never throws.
   */
  learn(robot: RobotEntity, ids: readonly (string | null)[]): void {
    const seen = this.seen.get(robot.id) ?? new Set<string>();
    this.seen.set(robot.id, seen);
    const fresh = ids.filter((id): id is string => !!id && !seen.has(id) && id !== robot.wxid && !SYSTEM_IDS.has(id));
    if (!fresh.length) return;
    if (seen.size > 50_000) seen.clear();
    const queue = this.toLearn.get(robot.id) ?? new Set<string>();
    for (const id of fresh) {
      seen.add(id);
      queue.add(id);
    }
    this.toLearn.set(robot.id, queue);
    this.work(robot.id);
  }

  /** Forgets that an id was looked at (a group to fetch again after a change). */
  forget(robotId: number, id: string): void {
    this.seen.get(robotId)?.delete(id);
  }

  /** Resolves once every look-up queued so far has ended (tests). */
  async idle(): Promise<void> {
    while (this.learnt.size) await Promise.allSettled([...this.learnt]);
  }

  private work(robotId: number): void {
    if (this.learning.has(robotId) || this.stopping) return;
    this.learning.add(robotId);
    const p = this.drain(robotId)
      .catch((err: unknown) => this.logger.warn({ err, robotId }, 'Directory look-up failed'))
      .finally(() => {
        this.learning.delete(robotId);
        this.learnt.delete(p);
      });
    this.learnt.add(p);
  }

  private async drain(robotId: number): Promise<void> {
    const queue = this.toLearn.get(robotId);
    while (queue?.size && !this.stopping) {
      const batch = [...queue].slice(0, BRIEF_INFO_MAX);
      for (const id of batch) queue.delete(id);
      const robot = await this.robots.findById(robotId);
      if (!robot || robot.status !== 'online' || !robot.appId) {
        queue.clear();
        return;
      }
      const known = await this.directory.known(robotId, batch);
      const gewe = this.clients.forRobot(robot);
      const groups = batch.filter((id) => id.endsWith('@chatroom') && !known.get(id)?.syncedAt);
      const people = batch.filter((id) => !id.endsWith('@chatroom') && !known.get(id)?.nickname);
      for (const chatId of groups) {
        await this.fetchGroup(robotId, gewe, chatId).catch((err: Error) =>
          this.logger.debug({ robotId, chatId, error: err.message }, 'Group info not available from Gewe'),
        );
        await this.pause();
      }
      if (people.length) {
        const infos = await gewe.contact.getBriefInfo(people).catch((err: Error) => {
          this.logger.debug({ robotId, error: err.message }, 'Contact names not available from Gewe');
          return [];
        });
        await this.directory.saveContacts(
          robotId,
          infos
            .filter((i) => i?.userName)
            .map((i) => ({ ...contactFacts(i), kind: known.get(i.userName)?.kind ?? kindOfId(i.userName) })),
        );
        await this.pause();
      }
    }
  }
}

function syncView(robotId: number, s: DirectorySyncEntity | null, entries: number): DirectorySyncResponseDto {
  return {
    robotId,
    state: s?.state ?? 'never',
    phase: s?.phase ?? 'list',
    total: s?.total ?? 0,
    done: s?.done ?? 0,
    errorCode: s?.errorCode ?? null,
    error: s?.error ?? null,
    startedAt: s?.startedAt ? new Date(s.startedAt).toISOString() : null,
    finishedAt: s?.finishedAt ? new Date(s.finishedAt).toISOString() : null,
    entries,
  };
}
