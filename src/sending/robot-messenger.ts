import type { SentMessage } from '../gewe/modules/message.api';

/** Options of a text send. */
export interface SendOptions {
  /**
   * A typing delay in ms (capped at 30 s): the send starts no earlier than this long after the robot's previous send
   * ended (and after it was queued), on top of the governor's pacing. Plugins use it for multi-part answers.
   */
  typingMs?: number;
}

/** Sends on behalf of one robot. Every send waits its turn in the robot's send governor (rate limit + jitter). */
export interface RobotMessenger {
  sendText(
    toWxid: string,
    content: string,
    ats?: string | readonly string[],
    options?: SendOptions,
  ): Promise<SentMessage>;
  sendImage(toWxid: string, imgUrl: string): Promise<SentMessage>;
  sendFile(toWxid: string, fileUrl: string, fileName: string): Promise<SentMessage>;
  sendLink(
    toWxid: string,
    link: { title: string; desc: string; linkUrl: string; thumbUrl: string },
  ): Promise<SentMessage>;
  revoke(sent: SentMessage): Promise<void>;
}
