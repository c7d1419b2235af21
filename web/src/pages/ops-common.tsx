import { useId, type ReactNode } from 'react';

/**
 * A labelled control with an optional hint: the hint describes the control (aria-describedby) without becoming part
 * of its name, so "Action" stays "Action" for screen readers and tests.
 */
export function HintedField({
  label,
  hint,
  children,
  after,
}: {
  label: ReactNode;
  hint?: string;
  /** The control, given its id and the id of its hint. */
  children: (ids: { id: string; 'aria-describedby'?: string }) => ReactNode;
  /** Shown below the hint (a runtime-setting mark). */
  after?: ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(hint ? { 'aria-describedby': hintId } : {}) })}
      {hint && (
        <small id={hintId} className="muted">
          {hint}
        </small>
      )}
      {after}
    </div>
  );
}
