import { useEffect, useRef, useState } from 'react';
import { api, call } from '../api/client';
import { useI18n } from '../i18n';

/**
 * Stored files are served only with the access token (GET /api/files/{filename}), and neither <img src> nor
 * <a href download> can send the Authorization header: the bytes are fetched with it (refreshing the token when
 * needed) and shown or saved through an object URL.
 */
export async function fetchStored(filename: string): Promise<Blob> {
  return call(api.GET('/api/files/{filename}', { params: { path: { filename } }, parseAs: 'blob' })) as Promise<Blob>;
}

/** Saves a stored file under `name` (the name the sender gave, or the stored one). */
export async function saveStored(filename: string, name: string): Promise<void> {
  const url = URL.createObjectURL(await fetchStored(filename));
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.rel = 'noopener';
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    // the download has started from the URL; keep it a moment for browsers that read it asynchronously
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

export function DownloadButton({ filename, name }: { filename: string; name: string }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      await saveStored(filename, name);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className="button small"
        disabled={busy}
        aria-label={t('files.downloadName', { name })}
        onClick={() => void download()}
      >
        {busy ? t('files.downloading') : t('files.download')}
      </button>
      {error && (
        <span className="bad small" role="alert">
          {' '}
          {error}
        </span>
      )}
    </>
  );
}

/** An image from the file store, fetched with the token once it scrolls into view. */
export function StoredImage({ filename, alt, className }: { filename: string; alt: string; className?: string }) {
  const ref = useRef<HTMLSpanElement>(null);
  const [visible, setVisible] = useState(false);
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  const { t } = useI18n();

  useEffect(() => {
    const el = ref.current;
    if (!el || visible) return;
    if (typeof IntersectionObserver === 'undefined') return setVisible(true);
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setVisible(true);
    });
    io.observe(el);
    return () => io.disconnect();
  }, [visible]);

  useEffect(() => {
    if (!visible) return;
    let url: string | null = null;
    let gone = false;
    fetchStored(filename).then(
      (blob) => {
        if (gone) return;
        url = URL.createObjectURL(blob);
        setSrc(url);
      },
      () => !gone && setFailed(true),
    );
    return () => {
      gone = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [visible, filename]);

  return (
    <span ref={ref} className={`thumb ${className ?? ''}`}>
      {src ? (
        <img src={src} alt={alt} loading="lazy" />
      ) : (
        <span className="muted small" aria-hidden={!failed}>
          {failed ? t('files.noPreview') : '…'}
        </span>
      )}
    </span>
  );
}

/** 1234567 → "1.2 MB". */
export function formatSize(bytes: number | null): string {
  if (bytes === null) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
