import type { ReactNode } from 'react';
import { useI18n } from '../i18n';

/** A dialog form's buttons: Cancel, then the submit button (its label the children), disabled while busy. */
export function FormActions({
  onCancel,
  busy,
  children,
}: {
  onCancel: () => void;
  busy: boolean;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <div className="actions">
      <button type="button" className="button" onClick={onCancel}>
        {t('common.cancel')}
      </button>
      <button type="submit" className="button primary" disabled={busy}>
        {children}
      </button>
    </div>
  );
}
