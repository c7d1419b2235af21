import type { GeweCaller } from '../gewe-caller';

/** The account's address book, as ids only. */
export interface ContactsList {
  /** Friends' wxids (includes system accounts such as "weixin", "medianote"). */
  friends: string[];
  /** Only the groups saved to the address book; others show up when someone speaks in them. */
  chatrooms: string[];
  /** Followed official accounts (gh_…). */
  ghs: string[];
  [key: string]: unknown;
}

/** A friend's or group's profile (getBriefInfo / getDetailInfo). Gewe leaves many fields null. */
export interface ContactInfo {
  /** The wxid (or chatroom id). */
  userName: string;
  nickName?: string | null;
  pyInitial?: string | null;
  quanPin?: string | null;
  /** 0 unknown, 1 male, 2 female. */
  sex?: number | null;
  remark?: string | null;
  remarkPyInitial?: string | null;
  remarkQuanPin?: string | null;
  signature?: string | null;
  /** The WeChat id the user chose (微信号). */
  alias?: string | null;
  snsBgImg?: string | null;
  country?: string | null;
  province?: string | null;
  city?: string | null;
  bigHeadImgUrl?: string | null;
  smallHeadImgUrl?: string | null;
  description?: string | null;
  cardImgUrl?: string | null;
  /** Label ids, comma-separated. */
  labelList?: string | null;
  phoneNumList?: string[] | null;
  [key: string]: unknown;
}

/** A search hit; pass its v3/v4 to addContacts. `v3` is the wxid when the person is already a friend. */
export interface ContactSearchResult {
  v3: string;
  v4?: string | null;
  nickName?: string | null;
  sex?: number | null;
  signature?: string | null;
  bigHeadImgUrl?: string | null;
  smallHeadImgUrl?: string | null;
  [key: string]: unknown;
}

/** addContacts `option`: 2 send a friend request, 3 accept one, 4 reject one. */
export type AddContactsOption = 2 | 3 | 4;

export interface AddContactsParams {
  /**
   * Where the request comes from: 3 wxid search, 4 QQ, 8 group, 15 phone number. To accept or reject, pass the
   * `scene` of the request's callback XML.
   */
  scene: number;
  option: AddContactsOption;
  v3: string;
  v4: string;
  /** The greeting sent with a request (default ""). */
  content?: string;
}

export const BRIEF_INFO_MAX = 100;
export const DETAIL_INFO_MAX = 20;

/** Contact endpoints (official field names). */
export class ContactApi {
  constructor(private readonly c: GeweCaller) {}

  /**
   * Slow: Gewe walks the whole address book, so this call gets a 2-minute timeout. When it times out anyway, the
   * cached result (fetchContactsListCache, kept for 10 minutes) usually has the answer.
   */
  async fetchContactsList(): Promise<ContactsList> {
    return toContactsList(await this.c.call('/contacts/fetchContactsList', {}, { timeoutMs: 120_000 }));
  }

  /** The last fetchContactsList result (cached for 10 minutes by Gewe). */
  async fetchContactsListCache(): Promise<ContactsList> {
    return toContactsList(await this.c.call('/contacts/fetchContactsListCache'));
  }

  /** Profiles of friends or groups, 1 to 100 wxids per call (OpenGewe wrongly stops at 10). */
  async getBriefInfo(wxids: readonly string[]): Promise<ContactInfo[]> {
    checkCount('getBriefInfo', wxids, BRIEF_INFO_MAX);
    return asArray<ContactInfo>(await this.c.call('/contacts/getBriefInfo', { wxids: [...wxids] }));
  }

  /** Fuller profiles (signature, sns background…), 1 to 20 wxids per call. */
  async getDetailInfo(wxids: readonly string[]): Promise<ContactInfo[]> {
    checkCount('getDetailInfo', wxids, DETAIL_INFO_MAX);
    return asArray<ContactInfo>(await this.c.call('/contacts/getDetailInfo', { wxids: [...wxids] }));
  }

  /** Looks a person up by WeChat id, phone number… Gewe fails with data.msg "用户不存在" when nobody matches. */
  search(contactsInfo: string): Promise<ContactSearchResult> {
    return this.c.call<ContactSearchResult>('/contacts/search', { contactsInfo });
  }

  /** Sends, accepts or rejects a friend request. Gewe advises waiting 3 days online before adding friends. */
  async addContacts(params: AddContactsParams): Promise<void> {
    const { scene, option, v3, v4, content } = params;
    await this.c.call('/contacts/addContacts', { scene, option, v3, v4, content: content ?? '' });
  }

  async deleteFriend(wxid: string): Promise<void> {
    await this.c.call('/contacts/deleteFriend', { wxid });
  }

  async setFriendRemark(wxid: string, remark: string): Promise<void> {
    await this.c.call('/contacts/setFriendRemark', { wxid, remark });
  }

  /** "Chats only" (no moments) for a friend. The field is `onlyChat` (OpenGewe sends `chatOnly`). */
  async setFriendPermissions(wxid: string, onlyChat: boolean): Promise<void> {
    await this.c.call('/contacts/setFriendPermissions', { wxid, onlyChat });
  }
}

function checkCount(method: string, wxids: readonly string[], max: number): void {
  if (wxids.length < 1 || wxids.length > max)
    throw new RangeError(`${method} takes 1 to ${max} wxids per call (got ${wxids.length})`);
}

function asArray<T>(data: unknown): T[] {
  return Array.isArray(data) ? (data as T[]) : [];
}

function toContactsList(data: unknown): ContactsList {
  const d = data && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  const ids = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
  return { ...d, friends: ids(d.friends), chatrooms: ids(d.chatrooms), ghs: ids(d.ghs) };
}
