import { Injectable } from '@nestjs/common';
import { GeweClientManager, RobotConnection } from '../gewe/client-manager';
import type { SentMessage } from '../gewe/modules/message.api';
import type { RobotClient } from '../gewe/robot-client';
import type { RobotMessenger } from './robot-messenger';
import { SendJournal, SendOrigin } from './send-journal';
import { sentReport } from './sent-report';
import { GovernedGeweClient } from './governed-gewe-client';
import { SendGovernor } from './send-governor';

/**
 * Gives plugins and the API a robot's messenger and client with every send routed through the send governor: the
 * client is a GovernedGeweClient, whose pacing tables say which methods are sends; the rest (contacts, groups' reads,
 * downloads) go straight through.
 */
@Injectable()
export class MessengerFactory {
  constructor(
    private readonly clients: GeweClientManager,
    private readonly governor: SendGovernor,
    private readonly journal: SendJournal,
  ) {}

  /**
   * `origin`: who sends through it (a plugin, the send API); each message that goes out is then reported to the
   * SendJournal, which logs it as the robot's own. Without it (OneBot logs its own sends; alerts) nothing is reported.
   */
  forRobot(robot: RobotConnection, origin?: SendOrigin): { send: RobotMessenger; gewe: RobotClient } {
    const raw = this.clients.forRobot(robot);
    const report = origin
      ? async (method: string, args: unknown[], sent: SentMessage) => {
          const r = sentReport(robot.id, method, args, sent, origin);
          if (r) await this.journal.sent(r);
        }
      : undefined;
    const gewe = new GovernedGeweClient(raw, (send) => this.governor.schedule(robot.id, send), report);
    const message = gewe.message;
    const send: RobotMessenger = {
      sendText: (to, content, ats, options) =>
        options?.typingMs
          ? this.governor
              .schedule(robot.id, () => raw.message.postText(to, content, ats), options)
              .then(async (sent) => {
                await report?.('postText', [to, content, ats], sent);
                return sent;
              })
          : message.postText(to, content, ats),
      sendImage: (to, url) => message.postImage(to, url),
      sendFile: (to, url, name) => message.postFile(to, url, name),
      sendLink: (to, link) => message.postLink(to, link),
      revoke: (sent: SentMessage) => message.revokeMsg(sent.toWxid, sent.msgId, sent.newMsgId, sent.createTime),
    };
    return { send, gewe };
  }
}
