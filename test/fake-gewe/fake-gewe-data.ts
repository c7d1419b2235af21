/**
 * Canned data and media bytes for the fake Gewe server: a valid 1×1 JPEG (with an optional COM segment so that the
 * bytes can be derived from a request), the contacts and groups every fake account "has", and the shapes the read
 * endpoints return.
 */
import { createHash } from 'node:crypto';

/** A minimal baseline JPEG: 1×1 grey pixel, one quantisation table, one-code Huffman tables. */
const TINY_JPEG_BYTES: readonly number[] = [
  0xff, 0xd8, // SOI
  0xff, 0xdb, 0x00, 0x43, 0x00, ...new Array<number>(64).fill(1), // DQT
  0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00, // SOF0 1×1, 1 component
  0xff, 0xc4, 0x00, 0x14, 0x00, 0x01, ...new Array<number>(15).fill(0), 0x00, // DHT DC: one code → category 0
  0xff, 0xc4, 0x00, 0x14, 0x10, 0x01, ...new Array<number>(15).fill(0), 0x00, // DHT AC: one code → EOB
  0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, // SOS
  0x3f, // scan: DC diff 0, EOB, padded with 1-bits
  0xff, 0xd9, // EOI
]; // prettier-ignore

export const TINY_JPEG: Buffer = Buffer.from(TINY_JPEG_BYTES);
export const TINY_JPEG_BASE64: string = TINY_JPEG.toString('base64');

/** The tiny JPEG with a COM segment carrying `comment` right after SOI — still a valid JPEG, but unique bytes. */
export function jpegWithComment(comment: string): Buffer {
  const text = Buffer.from(comment, 'utf8').subarray(0, 60000);
  const header = Buffer.from([0xff, 0xfe, (text.length + 2) >> 8, (text.length + 2) & 0xff]);
  return Buffer.concat([TINY_JPEG.subarray(0, 2), header, text, TINY_JPEG.subarray(2)]);
}

export type DownloadKind = 'image' | 'voice' | 'video' | 'file' | 'emoji' | 'cdn';

/** Deterministic bytes for a download request: the same request always yields the same content. */
export function downloadBytes(kind: DownloadKind, fingerprint: string): Buffer {
  const digest = createHash('sha256').update(kind).update('\n').update(fingerprint).digest('hex');
  switch (kind) {
    case 'image':
      return jpegWithComment(`fake-gewe ${digest}`);
    case 'voice':
      return Buffer.concat([Buffer.from('\x02#!SILK_V3', 'latin1'), Buffer.from(digest, 'utf8')]);
    case 'video':
      return Buffer.concat([
        Buffer.from([0x00, 0x00, 0x00, 0x18]),
        Buffer.from('ftypisom\x00\x00\x02\x00isommp42', 'latin1'),
        Buffer.from(digest, 'utf8'),
      ]);
    case 'emoji':
      return Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from(digest, 'utf8')]);
    case 'file':
    case 'cdn':
      return Buffer.from(`fake-gewe ${kind} ${digest}\n`, 'utf8');
  }
}

export const CONTENT_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  mp4: 'video/mp4',
  silk: 'audio/silk',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json',
};

export interface CannedContact {
  userName: string;
  nickName: string;
  remark: string;
  sex: number;
  signature: string;
  province: string;
  city: string;
  country: string;
  alias: string;
}

export const CANNED_FRIENDS: readonly CannedContact[] = [
  {
    userName: 'wxid_fake_alice01',
    nickName: 'Alice',
    remark: '爱丽丝',
    sex: 2,
    signature: 'hello',
    province: 'Zhejiang',
    city: 'Hangzhou',
    country: 'CN',
    alias: 'alice_fake',
  },
  {
    userName: 'wxid_fake_bob0002',
    nickName: 'Bob',
    remark: '',
    sex: 1,
    signature: '',
    province: 'Guangdong',
    city: 'Shenzhen',
    country: 'CN',
    alias: '',
  },
  {
    userName: 'custom_carol',
    nickName: 'Carol',
    remark: '',
    sex: 2,
    signature: 'custom wechat id',
    province: '',
    city: '',
    country: 'CN',
    alias: 'custom_carol',
  },
];

export const CANNED_CHATROOMS: readonly { chatroomId: string; nickName: string; members: readonly string[] }[] = [
  { chatroomId: '34757816141@chatroom', nickName: 'Fake 测试群', members: ['wxid_fake_alice01', 'wxid_fake_bob0002'] },
  { chatroomId: '12345678901@chatroom', nickName: 'Fake 群二', members: ['custom_carol'] },
];

export function headImg(origin: string, wxid: string, size: 'big' | 'small'): string {
  return `${origin}/download/head/${size}/${encodeURIComponent(wxid)}.jpg`;
}

export function findContact(wxid: string): CannedContact | undefined {
  return CANNED_FRIENDS.find((c) => c.userName === wxid);
}

/** A contact for any wxid: the canned one when known, else one named after the wxid. */
export function contactFor(wxid: string): CannedContact {
  return (
    findContact(wxid) ?? {
      userName: wxid,
      nickName: wxid.replace(/^wxid_/, ''),
      remark: '',
      sex: 0,
      signature: '',
      province: '',
      city: '',
      country: '',
      alias: '',
    }
  );
}

export function chatroomFor(chatroomId: string): { chatroomId: string; nickName: string; members: readonly string[] } {
  return (
    CANNED_CHATROOMS.find((r) => r.chatroomId === chatroomId) ?? {
      chatroomId,
      nickName: `群 ${chatroomId.replace(/@chatroom$/, '')}`,
      members: ['wxid_fake_alice01'],
    }
  );
}
