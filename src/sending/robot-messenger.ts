import type { SentMessage } from '../gewe/modules/message.api';

/** Sends on behalf of one robot. Every send waits its turn in the robot's send governor (rate limit + jitter). */
export interface RobotMessenger {
  sendText(toWxid: string, content: string, ats?: string | readonly string[]): Promise<SentMessage>;
  sendImage(toWxid: string, imgUrl: string): Promise<SentMessage>;
  sendFile(toWxid: string, fileUrl: string, fileName: string): Promise<SentMessage>;
  sendLink(
    toWxid: string,
    link: { title: string; desc: string; linkUrl: string; thumbUrl: string },
  ): Promise<SentMessage>;
  revoke(sent: SentMessage): Promise<void>;
}
