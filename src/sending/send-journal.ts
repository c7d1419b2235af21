import { Injectable, Logger } from '@nestjs/common';

/** Who had the robot send a message: the send API (a user or token), a plugin, a OneBot client. */
export interface SendOrigin {
  via: 'api' | 'plugin' | 'onebot';
  /** The plugin's name, the user or token, the OneBot connection; null when unknown. */
  client: string | null;
}

/** A message the robot sent, as the journal reports it (the message log's recordSent takes this shape). */
export interface SentReport {
  robotId: number;
  chatId: string;
  isGroup: boolean;
  /** The event kind it would have as a callback: text, image, file, video, voice, link, card, emoji, mini_app. */
  kind: string;
  /** The text, or a one-line description of what was sent (the file name, the URL). */
  text: string | null;
  newMsgId: string;
  msgId: string | null;
  /** Unix seconds. */
  createTime: number | null;
  sentBy: SendOrigin;
}

/** A send the API accepted, before it goes out (the outgoing_messages row the console shows as queued). */
export interface QueuedSend {
  robotId: number;
  chatId: string;
  type: string;
  content: string;
  userId: number | null;
}

/** The outcome of a queued send. */
export type SendOutcome = { state: 'sent'; newMsgId: string } | { state: 'failed'; errorCode: string };

/** What listens to the journal: the conversations module (log rows, outgoing states). */
export interface SendJournalSink {
  sent(report: SentReport): Promise<void>;
  queued(send: QueuedSend): Promise<number | null>;
  settled(id: number, outcome: SendOutcome): Promise<void>;
}

/**
 * The port through which `sending/` tells the modules above it what the robot sent, without importing them (they
 * import `sending/`): a module above registers a sink at start-up. With no sink every call is a no-op. A sink's
 * failure never fails the send — the message went out.
 */
@Injectable()
export class SendJournal {
  private readonly logger = new Logger(SendJournal.name);
  private sink: SendJournalSink | null = null;

  register(sink: SendJournalSink): void {
    this.sink = sink;
  }

  async sent(report: SentReport): Promise<void> {
    if (!this.sink) return;
    try {
      await this.sink.sent(report);
    } catch (err) {
      this.logger.warn(
        { robotId: report.robotId, newMsgId: report.newMsgId, error: (err as Error).message },
        'A send was not logged',
      );
    }
  }

  async queued(send: QueuedSend): Promise<number | null> {
    if (!this.sink) return null;
    try {
      return await this.sink.queued(send);
    } catch (err) {
      this.logger.warn({ robotId: send.robotId, error: (err as Error).message }, 'A queued send was not recorded');
      return null;
    }
  }

  async settled(id: number | null, outcome: SendOutcome): Promise<void> {
    if (!this.sink || id === null) return;
    try {
      await this.sink.settled(id, outcome);
    } catch (err) {
      this.logger.warn({ id, error: (err as Error).message }, 'A send outcome was not recorded');
    }
  }
}
