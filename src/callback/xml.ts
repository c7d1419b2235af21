import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * XML helpers for the classifier. WeChat XML is usually well-formed, and then it is read with fast-xml-parser (small,
 * maintained, no native code). Callbacks can also arrive truncated or broken (odd clients, mangled forwards); such
 * documents are read with substring rules instead, scoped element by element, so the classifier still finds what it
 * can. Nothing here throws on bad input.
 */

/** A read-only view of one element (or of the whole document). */
export interface XmlView {
  /** The first child element with this name, or null. */
  get(name: string): XmlView | null;
  /** Every child element with this name, in document order. */
  all(name: string): XmlView[];
  /** The element's text (CDATA merged, entities decoded, trimmed); null when it only holds child elements. */
  text(): string | null;
  /** An attribute's value (entities decoded), or null. */
  attr(name: string): string | null;
}

const ATTRS = '$';
const TEXT = '#text';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  attributesGroupName: ATTRS,
  textNodeName: TEXT,
  // Values stay strings: 64-bit ids (svrid, newmsgid, objectId) must not go through a float.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  allowBooleanAttributes: true,
});

type Tree = Record<string, unknown>;

function isTree(value: unknown): value is Tree {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ENTITY = /&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five XML entities and numeric character references, once (`&amp;lt;` becomes `&lt;`). */
export function decodeEntities(text: string): string {
  return text.replace(ENTITY, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isInteger(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[name] ?? whole;
  });
}

/** Text of a raw fragment: CDATA sections unwrapped, entities outside them decoded. */
function fragmentText(fragment: string): string {
  let out = '';
  let rest = fragment;
  for (;;) {
    const start = rest.indexOf('<![CDATA[');
    if (start < 0) break;
    out += decodeEntities(rest.slice(0, start));
    const end = rest.indexOf(']]>', start + 9);
    if (end < 0) {
      out += rest.slice(start + 9);
      rest = '';
      break;
    }
    out += rest.slice(start + 9, end);
    rest = rest.slice(end + 3);
  }
  return (out + decodeEntities(rest)).trim();
}

class TreeView implements XmlView {
  constructor(private readonly value: unknown) {}

  get(name: string): XmlView | null {
    return this.all(name)[0] ?? null;
  }

  all(name: string): XmlView[] {
    if (!isTree(this.value) || name === ATTRS || name === TEXT || !Object.hasOwn(this.value, name)) return [];
    const child = this.value[name];
    return (Array.isArray(child) ? child : [child]).map((c) => new TreeView(c));
  }

  text(): string | null {
    const v = this.value;
    if (typeof v === 'string') return v.trim();
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (!isTree(v)) return null;
    const t = v[TEXT];
    if (typeof t === 'string' || typeof t === 'number') return String(t).trim();
    // An element with attributes only (`<title a="1"></title>`) has empty text; one with children has none.
    return Object.keys(v).every((k) => k === ATTRS) ? '' : null;
  }

  attr(name: string): string | null {
    if (!isTree(this.value)) return null;
    const attrs = this.value[ATTRS];
    if (!isTree(attrs) || !Object.hasOwn(attrs, name)) return null;
    const a = attrs[name];
    return typeof a === 'string' ? a : typeof a === 'number' || typeof a === 'boolean' ? String(a) : null;
  }
}

/** Where an element starts and ends inside a fragment (substring fallback). */
interface Span {
  openTag: string;
  inner: string;
  next: number;
}

function isNameEnd(ch: string | undefined): boolean {
  return ch === undefined || ch === '>' || ch === '/' || /\s/.test(ch);
}

/** End of the tag that starts at `from` (index of the closing `>`), skipping quoted attribute values. */
function tagEnd(s: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '>') {
      return i;
    }
  }
  return -1;
}

function findElement(s: string, name: string, from: number): Span | null {
  let at = from;
  for (;;) {
    const start = s.indexOf('<' + name, at);
    if (start < 0) return null;
    if (!isNameEnd(s[start + 1 + name.length])) {
      at = start + 1;
      continue;
    }
    const end = tagEnd(s, start + 1 + name.length);
    if (end < 0) {
      // Truncated inside the start tag: keep what the attributes say.
      return { openTag: s.slice(start), inner: '', next: s.length };
    }
    const openTag = s.slice(start, end + 1);
    if (s[end - 1] === '/') return { openTag, inner: '', next: end + 1 };
    const close = s.indexOf('</' + name, end + 1);
    if (close < 0) return { openTag, inner: s.slice(end + 1), next: s.length };
    const closeEnd = s.indexOf('>', close);
    return { openTag, inner: s.slice(end + 1, close), next: closeEnd < 0 ? s.length : closeEnd + 1 };
  }
}

class FragmentView implements XmlView {
  constructor(
    private readonly inner: string,
    private readonly openTag: string,
  ) {}

  get(name: string): XmlView | null {
    const span = findElement(this.inner, name, 0);
    return span ? new FragmentView(span.inner, span.openTag) : null;
  }

  all(name: string): XmlView[] {
    const out: XmlView[] = [];
    let at = 0;
    while (at < this.inner.length) {
      const span = findElement(this.inner, name, at);
      if (!span) break;
      out.push(new FragmentView(span.inner, span.openTag));
      at = Math.max(span.next, at + 1);
    }
    return out;
  }

  text(): string | null {
    const withoutCdata = this.inner.replace(/<!\[CDATA\[[\s\S]*?(\]\]>|$)/g, '');
    return /<[A-Za-z_]/.test(withoutCdata) ? null : fragmentText(this.inner);
  }

  attr(name: string): string | null {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const m = new RegExp(`\\s${escaped}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(this.openTag);
    return m ? decodeEntities(m[1] ?? m[2] ?? '') : null;
  }
}

/** A parsed XML document; `wellFormed` tells which reading is in use. */
export interface XmlDoc {
  root: XmlView;
  wellFormed: boolean;
}

/** Reads an XML string without ever throwing: a real parse when it is well-formed, substring rules otherwise. */
export function parseXml(source: string): XmlDoc {
  const text = source.replace(/^\uFEFF/, '');
  try {
    if (XMLValidator.validate(text) === true) {
      const tree: unknown = parser.parse(text);
      if (isTree(tree) && Object.keys(tree).length > 0) return { root: new TreeView(tree), wellFormed: true };
    }
  } catch {
    // fall through to the substring reading
  }
  return { root: new FragmentView(text, ''), wellFormed: false };
}

/** Follows child elements by name from a view; null as soon as one is missing. */
export function xmlAt(view: XmlView | null, ...path: string[]): XmlView | null {
  let at = view;
  for (const name of path) {
    if (!at) return null;
    at = at.get(name);
  }
  return at;
}

/** Text at a path, or null (also for an empty element). */
export function xmlText(view: XmlView | null, ...path: string[]): string | null {
  const t = xmlAt(view, ...path)?.text() ?? null;
  return t === null || t === '' ? null : t;
}

/** An attribute of the element at a path, or null (also for an empty value). */
export function xmlAttr(view: XmlView | null, path: string[], name: string): string | null {
  const a = xmlAt(view, ...path)?.attr(name) ?? null;
  if (a === null) return null;
  const t = a.trim();
  return t === '' ? null : t;
}
