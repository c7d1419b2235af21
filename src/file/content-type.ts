/** What a file is, told by its first bytes (never by the name the sender chose). */
export interface SniffedType {
  contentType: string;
  /** Extension of the stored file, without the dot. */
  ext: string;
}

/** How many leading bytes `sniff` looks at. */
export const SNIFF_BYTES = 32;

export const OCTET_STREAM: SniffedType = { contentType: 'application/octet-stream', ext: 'bin' };

const ascii = (b: Uint8Array, at: number, text: string): boolean => {
  if (b.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[at + i] !== text.charCodeAt(i)) return false;
  return true;
};

const bytes = (b: Uint8Array, at: number, expected: readonly number[]): boolean =>
  b.length >= at + expected.length && expected.every((x, i) => b[at + i] === x);

/**
 * A small magic-number sniffer for what WeChat sends: images (jpeg, png, gif, webp, bmp), video (mp4/mov by their
 * `ftyp` box), audio (SILK — WeChat voice, with or without its 0x02 lead byte —, amr, mp3, ogg, wav) and documents
 * (pdf, zip — which includes docx/xlsx —, gzip). Anything else is application/octet-stream.
 */
export function sniff(head: Uint8Array): SniffedType {
  const b = head;
  if (bytes(b, 0, [0xff, 0xd8, 0xff])) return { contentType: 'image/jpeg', ext: 'jpg' };
  if (bytes(b, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { contentType: 'image/png', ext: 'png' };
  if (ascii(b, 0, 'GIF87a') || ascii(b, 0, 'GIF89a')) return { contentType: 'image/gif', ext: 'gif' };
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return { contentType: 'image/webp', ext: 'webp' };
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WAVE')) return { contentType: 'audio/wav', ext: 'wav' };
  // "BM" alone is too weak: the two reserved 16-bit fields after the file size are zero in real bitmaps.
  if (ascii(b, 0, 'BM') && bytes(b, 6, [0, 0, 0, 0]) && b.length >= 14) return { contentType: 'image/bmp', ext: 'bmp' };
  if (ascii(b, 4, 'ftyp')) {
    if (ascii(b, 8, 'qt  ')) return { contentType: 'video/quicktime', ext: 'mov' };
    if (ascii(b, 8, 'M4A ')) return { contentType: 'audio/mp4', ext: 'm4a' };
    return { contentType: 'video/mp4', ext: 'mp4' };
  }
  if (ascii(b, 0, '#!SILK') || (b[0] === 0x02 && ascii(b, 1, '#!SILK')))
    return { contentType: 'audio/silk', ext: 'silk' };
  if (ascii(b, 0, '#!AMR')) return { contentType: 'audio/amr', ext: 'amr' };
  if (ascii(b, 0, 'OggS')) return { contentType: 'audio/ogg', ext: 'ogg' };
  if (ascii(b, 0, 'ID3')) return { contentType: 'audio/mpeg', ext: 'mp3' };
  // An MPEG audio frame: 11 sync bits, and a layer (bits 1-2) other than 00 (00 is AAC in ADTS).
  if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0 && (b[1] & 0x06) !== 0)
    return { contentType: 'audio/mpeg', ext: 'mp3' };
  if (ascii(b, 0, '%PDF-')) return { contentType: 'application/pdf', ext: 'pdf' };
  if (ascii(b, 0, 'PK') && (bytes(b, 2, [3, 4]) || bytes(b, 2, [5, 6]) || bytes(b, 2, [7, 8])))
    return { contentType: 'application/zip', ext: 'zip' };
  if (bytes(b, 0, [0x1f, 0x8b])) return { contentType: 'application/gzip', ext: 'gz' };
  return OCTET_STREAM;
}
