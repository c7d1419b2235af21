/**
 * RFC 6266 / RFC 5987 `Content-Disposition: attachment` for `name`: a quoted ASCII fallback for old clients (non-ASCII,
 * quotes, backslashes, percent signs and control characters replaced) and `filename*` with the UTF-8 name
 * percent-encoded. Path separators never survive: a name is a name, not a path.
 */
export function contentDisposition(name: string): string {
  const clean = name
    // a lone surrogate would make encodeURIComponent throw
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[/\\]/g, '_')
    .trim();
  const safe = clean === '' || clean === '.' || clean === '..' ? 'download' : clean;
  const fallback =
    safe
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^\x20-\x7e]/g, '_')
      .replace(/["%\\]/g, '_') || 'download';
  const encoded = encodeURIComponent(safe).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
