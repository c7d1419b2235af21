import { Injectable } from '@nestjs/common';
import type { HandlerOutcome } from './plugin.dispatcher';
import type { HistoryMessage } from './plugin.types';

/** Reads a robot's chat from the message log (provided by message-log/, which sits above plugin/). */
export interface HistorySource {
  recent(robotId: number, chatId: string, options: { since: Date; limit: number }): Promise<HistoryMessage[]>;
}

/** Adds the outcome of deferred work to a message's results (provided by message-log/). */
export interface LaterResultSink {
  append(messageId: number, outcome: HandlerOutcome): Promise<void>;
}

/**
 * What plugins reach of the modules above plugin/: those modules register their implementation here when they start
 * (plugin/ cannot import them without a cycle). Unset, history is empty and deferred outcomes are only logged.
 */
@Injectable()
export class PluginPorts {
  history: HistorySource | null = null;
  laterResults: LaterResultSink | null = null;
}
