import { Injectable } from '@nestjs/common';
import { GeweClientManager, RobotConnection } from '../gewe/client-manager';
import { GeweClient } from '../gewe/gewe-client';
import type { SentMessage } from '../gewe/modules/message.api';
import type { RobotMessenger } from '../plugin/plugin.types';
import { SendGovernor } from './send-governor';

/** MessageApi methods that put something in a chat: they wait their turn in the governor. */
const SENDS = /^(post|forward|revoke)/;

/**
 * Gives plugins and the API a robot's messenger and client with every send routed through the send governor. The
 * client is a proxy of the real one: reads (contacts, groups, downloads) go straight through.
 */
@Injectable()
export class MessengerFactory {
  constructor(
    private readonly clients: GeweClientManager,
    private readonly governor: SendGovernor,
  ) {}

  forRobot(robot: RobotConnection): { send: RobotMessenger; gewe: GeweClient } {
    const client = this.clients.forRobot(robot);
    const governed = new Proxy(client.message, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof prop !== 'string' || typeof value !== 'function' || !SENDS.test(prop)) return value;
        return (...args: unknown[]) =>
          this.governor.schedule(robot.id, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
      },
    });
    const gewe = new Proxy(client, {
      get: (target, prop, receiver): unknown => (prop === 'message' ? governed : Reflect.get(target, prop, receiver)),
    });
    const send: RobotMessenger = {
      sendText: (to, content, ats) => governed.postText(to, content, ats),
      sendImage: (to, url) => governed.postImage(to, url),
      sendFile: (to, url, name) => governed.postFile(to, url, name),
      sendLink: (to, link) => governed.postLink(to, link),
      revoke: (sent: SentMessage) => governed.revokeMsg(sent.toWxid, sent.msgId, sent.newMsgId, sent.createTime),
    };
    return { send, gewe };
  }
}
