import { sentByOf } from '../api/onebot';
import { useI18n } from '../i18n';

/**
 * Who had the robot send a logged message (its `sentBy`): "由 OneBot 客户端 fws-3 发送"; nothing for a message that
 * came from WeChat. The client's name, address and transport are data: shown as the service gave them.
 */
export function SentByNote({ message }: { message: object }) {
  const { t } = useI18n();
  const by = sentByOf(message);
  if (!by) return null;
  const client = by.client ?? '—';
  const key =
    by.via === 'onebot'
      ? 'messages.sentByOneBot'
      : by.via === 'plugin'
        ? 'messages.sentByPlugin'
        : 'messages.sentByApi';
  const [before, after] = t(key, { client: '\u0000' }).split('\u0000');
  const detail = [by.transport, by.remote].filter(Boolean).join(' · ');
  return (
    <div className="muted small" data-testid="message-sent-by" data-via={by.via} title={detail || undefined}>
      {before}
      <code translate="no">{client}</code>
      {after}
      {detail && (
        <>
          {' '}
          <span translate="no">({detail})</span>
        </>
      )}
    </div>
  );
}
