import type { MessageParams, NoticeCode } from '../common/message-codes';

/**
 * What the console shows for the `error` stored on a file (a failed download, or the note of a done one): a code and
 * its params, read from the fixed phrases the downloader writes. The stored text itself (which may quote Gewe or the
 * download host) stays the `reason` param, for the detail an admin may want.
 */
const PHRASES: [RegExp, NoticeCode][] = [
  [/^kept the inline thumbnail/, 'DOWNLOAD_KEPT_THUMBNAIL'],
  [/^abandoned: /, 'DOWNLOAD_ABANDONED'],
  [/^larger than (.+) \(files\.max_size\)$/, 'DOWNLOAD_TOO_LARGE'],
  [/too large to keep for a download$/, 'DOWNLOAD_NO_SOURCE'],
  [/^nothing to download from|has no (XML|md5|media)|^no XML$/, 'DOWNLOAD_NO_SOURCE'],
  [/^robot \d+ was deleted$/, 'DOWNLOAD_ROBOT_DELETED'],
  [/the robot has no download_url to fetch it from$/, 'DOWNLOAD_NO_URL'],
];

export function fileErrorMessage(error: string | null): { code: NoticeCode; params: MessageParams } | null {
  if (!error) return null;
  for (const [re, code] of PHRASES) {
    const m = re.exec(error);
    if (m)
      return { code, params: code === 'DOWNLOAD_TOO_LARGE' ? { limit: m[1] ?? '', reason: error } : { reason: error } };
  }
  return { code: 'DOWNLOAD_FAILED', params: { reason: error } };
}
