import type { MessageLiveEvent } from '../../src/live-events/event-bus';

/** A `message` live event's data, with `text` (what the pipeline publishes for a text message). */
export function liveMessage(text: string): MessageLiveEvent {
  return {
    id: 5,
    robotId: 1,
    kind: 'text',
    chatId: 'c',
    isGroup: false,
    senderWxid: 's',
    isSelf: false,
    text,
    newMsgId: '7100000000000000001',
    receivedAt: new Date(0).toISOString(),
  };
}
