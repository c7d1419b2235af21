import { Injectable, Logger } from '@nestjs/common';
import type { GeweEvent } from '../callback/events';
import type { RobotEntity } from '../robot/robot.entity';
import { DirectorySyncService } from './directory-sync.service';
import { DirectoryService } from './directory.service';
import type { ContactFacts } from './directory.service';

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/**
 * Keeps the directory current from callbacks: contact and group updates and deletions, joins, removals, renames;
 * a chat or sender it does not know yet is looked up (DirectorySyncService.learn). The pipeline calls `observe` for
 * each message new to the log; the work runs after, in order per robot, never slowing nor failing the pipeline.
 */
@Injectable()
export class DirectoryObserver {
  private readonly logger = new Logger(DirectoryObserver.name);
  private readonly chains = new Map<number, Promise<void>>();

  constructor(
    private readonly directory: DirectoryService,
    private readonly sync: DirectorySyncService,
  ) {}

  observe(robot: RobotEntity, ev: GeweEvent): void {
    const write = this.writeFor(robot, ev);
    if (write) {
      const prev = this.chains.get(robot.id) ?? Promise.resolve();
      const next = prev
        .then(write)
        .catch((err: unknown) =>
          this.logger.warn({ err, robotId: robot.id, kind: ev.kind }, 'Directory update failed'),
        );
      this.chains.set(robot.id, next);
      void next.finally(() => {
        if (this.chains.get(robot.id) === next) this.chains.delete(robot.id);
      });
    }
    if (ev.typeName === 'AddMsg' && ev.chatId) {
      const ids = [ev.chatId];
      if (!ev.isGroup && ev.senderWxid && !ev.isSelf) ids.push(ev.senderWxid);
      this.sync.learn(robot, ids);
    }
  }

  /** Resolves when the updates queued so far are written (tests). */
  async idle(): Promise<void> {
    while (this.chains.size) await Promise.allSettled([...this.chains.values()]);
    await this.sync.idle();
  }

  private writeFor(robot: RobotEntity, ev: GeweEvent): (() => Promise<void>) | null {
    const d = ev.details;
    const id = robot.id;
    const chatId = ev.chatId;
    if (!chatId) return null;
    switch (ev.kind) {
      case 'contact_update':
      case 'group_info_update': {
        const facts: ContactFacts = {
          wxid: chatId,
          kind: ev.isGroup ? 'group' : chatId.startsWith('gh_') ? 'official' : 'friend',
          nickname: str(d.nickName),
          remark: str(d.remark) ?? undefined,
          avatar: str(d.smallHeadImgUrl) ?? str(d.bigHeadImgUrl),
          deleted: false,
        };
        if (ev.isGroup) {
          if (str(d.owner)) facts.ownerWxid = str(d.owner);
          if (typeof d.memberCount === 'number') facts.memberCount = d.memberCount;
        }
        return () => this.directory.saveContacts(id, [facts]);
      }
      case 'contact_deleted':
      case 'group_quit':
      case 'group_removed':
      case 'group_dismiss':
        return () => this.directory.saveContacts(id, [{ wxid: chatId, deleted: true }]);
      case 'group_rename': {
        const name = str(d.newName);
        return name ? () => this.directory.saveContacts(id, [{ wxid: chatId, kind: 'group', nickname: name }]) : null;
      }
      case 'group_join': {
        const wxids = strings(d.joinedWxids);
        const names = strings(d.joinedNicknames);
        const inviter = str(d.inviterWxid);
        if (!wxids.length) return null;
        return () =>
          this.directory.addMembers(
            id,
            chatId,
            wxids.map((wxid, i) => ({
              wxid,
              nickname: wxids.length === names.length ? names[i] : undefined,
              inviterWxid: inviter ?? undefined,
            })),
          );
      }
      case 'group_kick': {
        const wxids = strings(d.kickedWxids);
        if (!wxids.length) return null;
        return async () => {
          await this.directory.removeMembers(id, chatId, wxids);
          if (robot.wxid && wxids.includes(robot.wxid))
            await this.directory.saveContacts(id, [{ wxid: chatId, deleted: true }]);
        };
      }
      default:
        return null;
    }
  }
}
