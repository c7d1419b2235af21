import type { RobotStatusName } from '../api/client';
import { useI18n } from '../i18n';

const TONE: Record<RobotStatusName, 'ok' | 'wait' | 'bad' | 'off'> = {
  online: 'ok',
  awaiting_scan: 'wait',
  scanned: 'wait',
  need_captcha: 'wait',
  reconnecting: 'wait',
  offline: 'off',
  logged_out: 'off',
  expired: 'bad',
  error: 'bad',
};

export function StatusBadge({ status }: { status: RobotStatusName }) {
  const { t } = useI18n();
  return (
    <span className={`badge badge-${TONE[status]}`} data-status={status}>
      {t(`status.${status}`)}
    </span>
  );
}
