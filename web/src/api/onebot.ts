import { api, call, type Schemas } from './client';

/** The OneBot settings and status of a robot (GET/PUT /api/robots/{robot_id}/onebot, GET …/onebot/status). */
export type OneBotSettingsResponse = Schemas['OneBotSettingsResponseDto'];
export type OneBotSettingsUpdate = Schemas['OneBotSettingsUpdateDto'];
export type OneBotStatusResponse = Schemas['OneBotStatusResponseDto'];
export type OneBotClient = Schemas['OneBotClientDto'];
export type OneBotError = Schemas['OneBotErrorDto'];
export type IdMode = OneBotSettingsResponse['idMode'];
export type Transport = OneBotClient['transport'];
/** Who had the robot send a message (the message responses' `sentBy`); null for a message from WeChat. */
export type SentBy = Schemas['SentByDto'];

/** A message response's `sentBy`. */
export function sentByOf(message: { sentBy?: SentBy | null }): SentBy | null {
  return message.sentBy ?? null;
}

const path = (robotId: number) => ({ params: { path: { robot_id: robotId } } });

export function getOneBotSettings(robotId: number): Promise<OneBotSettingsResponse> {
  return call(api.GET('/api/robots/{robot_id}/onebot', path(robotId)));
}

export function putOneBotSettings(robotId: number, body: OneBotSettingsUpdate): Promise<OneBotSettingsResponse> {
  return call(api.PUT('/api/robots/{robot_id}/onebot', { ...path(robotId), body }));
}

export function getOneBotStatus(robotId: number): Promise<OneBotStatusResponse> {
  return call(api.GET('/api/robots/{robot_id}/onebot/status', path(robotId)));
}
