import { ActionError, RETCODE, type Segment } from './onebot.types';

/**
 * OneBot's two message formats: array (`[{type, data}]`, what we post) and CQ codes (`raw_message`, and what a client
 * may send: `hello[CQ:at,qq=123]`). CQ escapes: `&` `[` `]` in text as `&amp;` `&#91;` `&#93;`; inside a code `,` as
 * `&#44;` too. PART translate.
 */

const CQ_CODE = /\[CQ:([^,[\]\s]+)((?:,[^,[\]]*)*)\]/g;
const CQ_ENTITY = /&(amp|#91|#93|#44);/g;
const ENTITIES: Record<string, string> = { amp: '&', '#91': '[', '#93': ']', '#44': ',' };

/** One pass, so `&amp;#91;` reads back as `&#91;` (never as `[`). */
function unescapeCq(text: string, inCode: boolean): string {
  return text.replace(CQ_ENTITY, (whole, name: string) =>
    !inCode && name === '#44' ? whole : (ENTITIES[name] ?? whole),
  );
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/\[/g, '&#91;').replace(/\]/g, '&#93;');
}

function escapeParam(value: string): string {
  return escapeText(value).replace(/,/g, '&#44;');
}

function pushText(out: Segment[], text: string): void {
  if (text === '') return;
  const last = out[out.length - 1];
  if (last?.type === 'text' && typeof last.data.text === 'string') last.data.text += text;
  else out.push({ type: 'text', data: { text } });
}

/** A CQ-code string as segments: text between the codes (one segment per run), each code with its `k=v` params. */
function parseCq(message: string): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  for (const m of message.matchAll(CQ_CODE)) {
    pushText(out, unescapeCq(message.slice(at, m.index), false));
    const data: Record<string, unknown> = {};
    for (const part of (m[2] ?? '').split(',').slice(1)) {
      const eq = part.indexOf('=');
      const key = eq < 0 ? part : part.slice(0, eq);
      if (key === '') continue;
      data[unescapeCq(key, true)] = eq < 0 ? '' : unescapeCq(part.slice(eq + 1), true);
    }
    out.push({ type: m[1] ?? '', data });
    at = m.index + m[0].length;
  }
  pushText(out, unescapeCq(message.slice(at), false));
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function segmentOf(value: unknown, where: string): Segment {
  if (!isRecord(value) || typeof value.type !== 'string' || value.type === '') {
    throw new ActionError(RETCODE.BAD_REQUEST, `${where} must be a segment: {"type": "…", "data": {…}}`);
  }
  if (value.data !== undefined && value.data !== null && !isRecord(value.data)) {
    throw new ActionError(RETCODE.BAD_REQUEST, `${where}.data must be an object`);
  }
  return { type: value.type, data: isRecord(value.data) ? { ...value.data } : {} };
}

/**
 * A message a client sent: a CQ-code string (all text when `autoEscape`), one segment, or an array of segments.
 * Anything else is a 1400 naming `message`.
 */
export function parseMessage(message: unknown, autoEscape = false): Segment[] {
  if (typeof message === 'string')
    return autoEscape ? (message === '' ? [] : [{ type: 'text', data: { text: message } }]) : parseCq(message);
  if (Array.isArray(message)) return message.map((item, i) => segmentOf(item, `message[${i}]`));
  if (isRecord(message)) return [segmentOf(message, 'message')];
  throw new ActionError(RETCODE.BAD_REQUEST, 'message must be a CQ-code string, a segment or an array of segments');
}

function paramText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** Segments as a CQ-code string (`raw_message`), text escaped. */
export function toCq(segments: readonly Segment[]): string {
  return segments
    .map((seg) => {
      if (seg.type === 'text') return escapeText(paramText(seg.data.text) ?? '');
      const params = Object.entries(seg.data)
        .map(([key, value]) => [key, paramText(value)] as const)
        .filter((kv): kv is readonly [string, string] => kv[1] !== null)
        .map(([key, value]) => `,${escapeParam(key)}=${escapeParam(value)}`)
        .join('');
      return `[CQ:${seg.type}${params}]`;
    })
    .join('');
}
