/**
 * Every Gewe API path this service's typed client calls (src/gewe/modules). Metrics label calls by these paths; any
 * other path (a plugin calling `gewe.call()` with its own) is labelled `other`, so a plugin cannot grow the number of
 * series without bound. A unit test keeps this list in step with the modules.
 */
export const GEWE_ENDPOINTS = [
  '/contacts/addContacts',
  '/contacts/deleteFriend',
  '/contacts/fetchContactsList',
  '/contacts/fetchContactsListCache',
  '/contacts/getBriefInfo',
  '/contacts/getDetailInfo',
  '/contacts/search',
  '/contacts/setFriendPermissions',
  '/contacts/setFriendRemark',
  '/group/adminOperate',
  '/group/agreeJoinRoom',
  '/group/createChatroom',
  '/group/disbandChatroom',
  '/group/getChatroomAnnouncement',
  '/group/getChatroomInfo',
  '/group/getChatroomMemberDetail',
  '/group/getChatroomMemberList',
  '/group/getChatroomQrCode',
  '/group/inviteMember',
  '/group/modifyChatroomName',
  '/group/modifyChatroomNickNameForSelf',
  '/group/modifyChatroomRemark',
  '/group/pinChat',
  '/group/quitChatroom',
  '/group/removeMember',
  '/group/setChatroomAnnouncement',
  '/group/setMsgSilence',
  '/login/checkLogin',
  '/login/checkOnline',
  '/login/deviceList',
  '/login/dialogLogin',
  '/login/getLoginQrCode',
  '/login/logout',
  '/login/reconnection',
  '/message/downloadCdn',
  '/message/downloadEmojiMd5',
  '/message/downloadFile',
  '/message/downloadImage',
  '/message/downloadVideo',
  '/message/downloadVoice',
  '/message/forwardFile',
  '/message/forwardImage',
  '/message/forwardMiniApp',
  '/message/forwardUrl',
  '/message/forwardVideo',
  '/message/postAppMsg',
  '/message/postEmoji',
  '/message/postFile',
  '/message/postImage',
  '/message/postLink',
  '/message/postMiniApp',
  '/message/postNameCard',
  '/message/postText',
  '/message/postVideo',
  '/message/postVoice',
  '/message/revokeMsg',
  '/personal/getProfile',
  '/personal/getQrCode',
  '/personal/getSafetyInfo',
  '/tools/getTokenId',
  '/tools/setCallback',
] as const;

export type GeweEndpoint = (typeof GEWE_ENDPOINTS)[number];

const KNOWN = new Set<string>(GEWE_ENDPOINTS);

/** The endpoint as a metric label: one of GEWE_ENDPOINTS, or `other`. */
export function endpointLabel(endpoint: string): string {
  return KNOWN.has(endpoint) ? endpoint : 'other';
}
