import type { CallOptions } from '../gewe/gewe-caller';
import type { GeweClient } from '../gewe/gewe-client';
import type { ContactApi } from '../gewe/modules/contact.api';
import type { GroupApi } from '../gewe/modules/group.api';
import type { LoginApi } from '../gewe/modules/login.api';
import type { MessageApi } from '../gewe/modules/message.api';
import type { PersonalApi } from '../gewe/modules/personal.api';
import type { ApiSurface, GeweModuleName, MethodName, RobotClient } from '../gewe/robot-client';
import type { SentMessage } from '../gewe/modules/message.api';
import { reportingMessages } from './sent-report';

/**
 * `send`: the call puts something in front of other people — a message or its revocation, a group, an invitation, an
 * announcement, a friend request or its answer, joining a group — which is what WeChat counts against an account
 * when it comes too fast, so it waits its turn in the robot's send governor. `direct`: reads, downloads, login and
 * management of the account's own lists; straight to Gewe.
 */
export type Pacing = 'send' | 'direct';

/** One entry per public method of an API module: a method added to the module fails the typecheck until it is here. */
export type PacingTable<T> = { readonly [K in MethodName<T>]: Pacing };

/** Runs a send in its turn; resolves or rejects with the send's own outcome. */
export type Schedule = <T>(send: () => Promise<T>) => Promise<T>;

export const MESSAGE_PACING: PacingTable<MessageApi> = {
  postText: 'send',
  postImage: 'send',
  postFile: 'send',
  postVoice: 'send',
  postVideo: 'send',
  postLink: 'send',
  postNameCard: 'send',
  postEmoji: 'send',
  postAppMsg: 'send',
  postMiniApp: 'send',
  forwardFile: 'send',
  forwardImage: 'send',
  forwardVideo: 'send',
  forwardUrl: 'send',
  forwardMiniApp: 'send',
  revokeMsg: 'send',
  downloadImage: 'direct',
  downloadImageBest: 'direct',
  downloadVoice: 'direct',
  downloadVideo: 'direct',
  downloadEmojiMd5: 'direct',
  downloadCdn: 'direct',
  downloadFile: 'direct',
};

export const GROUP_PACING: PacingTable<GroupApi> = {
  /** Pulls at least two people into a new group. */
  createChatroom: 'send',
  /** Notifies every member. */
  setChatroomAnnouncement: 'send',
  inviteMember: 'send',
  /** Joining groups in a row is what bulk accounts do. */
  agreeJoinRoom: 'send',
  modifyChatroomName: 'direct',
  modifyChatroomRemark: 'direct',
  modifyChatroomNickNameForSelf: 'direct',
  getChatroomInfo: 'direct',
  getChatroomMemberList: 'direct',
  getChatroomMemberDetail: 'direct',
  getChatroomAnnouncement: 'direct',
  removeMember: 'direct',
  quitChatroom: 'direct',
  disbandChatroom: 'direct',
  adminOperate: 'direct',
  getChatroomQrCode: 'direct',
  pinChat: 'direct',
  setMsgSilence: 'direct',
};

export const CONTACT_PACING: PacingTable<ContactApi> = {
  /** Sends, accepts or rejects a friend request. */
  addContacts: 'send',
  fetchContactsList: 'direct',
  fetchContactsListCache: 'direct',
  getBriefInfo: 'direct',
  getDetailInfo: 'direct',
  search: 'direct',
  deleteFriend: 'direct',
  setFriendRemark: 'direct',
  setFriendPermissions: 'direct',
};

export const PERSONAL_PACING: PacingTable<PersonalApi> = {
  getProfile: 'direct',
  getQrCode: 'direct',
  getSafetyInfo: 'direct',
};

export const LOGIN_PACING: PacingTable<LoginApi> = {
  getTokenId: 'direct',
  setCallback: 'direct',
  deviceList: 'direct',
  getLoginQrCode: 'direct',
  checkLogin: 'direct',
  dialogLogin: 'direct',
  checkOnline: 'direct',
  reconnection: 'direct',
  logout: 'direct',
};

/** Every module of the client with its table: a module added to GeweClient fails the typecheck until it is here. */
export const GEWE_PACING: { readonly [K in GeweModuleName]: PacingTable<GeweClient[K]> } = {
  login: LOGIN_PACING,
  message: MESSAGE_PACING,
  contact: CONTACT_PACING,
  group: GROUP_PACING,
  personal: PERSONAL_PACING,
};

/**
 * The module's methods as listed in `pacing`, each calling the real module: a `send` inside `schedule`, a `direct`
 * one at once. Nothing else of the module is reachable through the result (which is frozen).
 */
export function governModule<T extends object>(api: T, pacing: PacingTable<T>, schedule: Schedule): ApiSurface<T> {
  const governed: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of Object.keys(pacing) as MethodName<T>[]) {
    const call = (args: unknown[]) => (api[name] as (...a: unknown[]) => Promise<unknown>).apply(api, args);
    governed[name] = pacing[name] === 'send' ? (...args) => schedule(() => call(args)) : (...args) => call(args);
  }
  return Object.freeze(governed) as unknown as ApiSurface<T>;
}

/**
 * A robot's Gewe client with its sends governed, as plugins (and the alert channel, and the send API) get it: each
 * module's methods as its pacing table says, `call` (a raw endpoint, which nothing here can classify) always as a
 * send, the rest passed through.
 */
export class GovernedGeweClient implements RobotClient {
  readonly login: ApiSurface<LoginApi>;
  readonly message: ApiSurface<MessageApi>;
  readonly contact: ApiSurface<ContactApi>;
  readonly group: ApiSurface<GroupApi>;
  readonly personal: ApiSurface<PersonalApi>;
  readonly #client: GeweClient;
  readonly #schedule: Schedule;

  /** `report`: told of each message send that went out (the message log's own messages), awaited after it. */
  constructor(
    client: GeweClient,
    schedule: Schedule,
    report?: (method: string, args: unknown[], sent: SentMessage) => Promise<void>,
  ) {
    this.#client = client;
    this.#schedule = schedule;
    this.login = governModule(client.login, GEWE_PACING.login, schedule);
    const message = governModule(client.message, GEWE_PACING.message, schedule);
    this.message = report ? reportingMessages(message, report) : message;
    this.contact = governModule(client.contact, GEWE_PACING.contact, schedule);
    this.group = governModule(client.group, GEWE_PACING.group, schedule);
    this.personal = governModule(client.personal, GEWE_PACING.personal, schedule);
  }

  get appId(): string {
    return this.#client.appId;
  }

  get isGewe(): boolean {
    return this.#client.isGewe;
  }

  get baseUrl(): string {
    return this.#client.baseUrl;
  }

  setAppId(appId: string): void {
    this.#client.setAppId(appId);
  }

  call<T>(endpoint: string, body?: Record<string, unknown>, options?: CallOptions): Promise<T> {
    return this.#schedule(() => this.#client.call<T>(endpoint, body, options));
  }
}
