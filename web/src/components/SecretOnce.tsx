import { CopyButton } from './CopyButton';
import { Dialog } from './Dialog';

/** The texts of a secret shown once (a new API token, an outbound webhook's signing secret). */
export interface SecretTexts {
  title: string;
  warning: string;
  label: string;
  usage: string;
  done: string;
}

/**
 * A secret the service shows this once (it keeps only a hash, or will not show it again): a warning, the value with
 * a copy button, how to use it, and a button that closes it. `testId` names the dialog; its value is `<testId>-value`.
 */
export function SecretOnceDialog({
  secret,
  texts,
  testId,
  onClose,
}: {
  secret: string;
  texts: SecretTexts;
  testId: string;
  onClose: () => void;
}) {
  const labelId = `${testId}-label`;
  return (
    <Dialog title={texts.title} onClose={onClose} testId={testId}>
      <p className="alert alert-warn" role="alert">
        ⚠ {texts.warning}
      </p>
      <div className="secret">
        <span className="field-label" id={labelId}>
          {texts.label}
        </span>
        <div className="copy-field">
          <code aria-labelledby={labelId} data-testid={`${testId}-value`}>
            {secret}
          </code>
          <CopyButton text={secret} label={texts.label} />
        </div>
        <p className="muted small">{texts.usage}</p>
      </div>
      <div className="actions">
        <button type="button" className="button primary" onClick={onClose}>
          {texts.done}
        </button>
      </div>
    </Dialog>
  );
}
