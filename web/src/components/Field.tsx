import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';

/** A labelled input with its hint and its error messages, wired with aria-describedby and aria-invalid. */
export function TextField({
  label,
  hint,
  errors = [],
  ...input
}: InputHTMLAttributes<HTMLInputElement> & { label: ReactNode; hint?: ReactNode; errors?: string[] }) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', errors.length ? `${id}-err` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>
        <span>{label}</span>
      </label>
      <input id={id} aria-invalid={errors.length > 0} aria-describedby={describedBy || undefined} {...input} />
      {hint && (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      )}
      {errors.length > 0 && (
        <small id={`${id}-err`} className="field-error" data-testid="field-error">
          {errors.join('；')}
        </small>
      )}
    </div>
  );
}

export function SelectField({
  label,
  hint,
  errors = [],
  children,
  ...select
}: SelectHTMLAttributes<HTMLSelectElement> & { label: ReactNode; hint?: ReactNode; errors?: string[] }) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : '', errors.length ? `${id}-err` : ''].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>
        <span>{label}</span>
      </label>
      <select id={id} aria-invalid={errors.length > 0} aria-describedby={describedBy || undefined} {...select}>
        {children}
      </select>
      {hint && (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      )}
      {errors.length > 0 && (
        <small id={`${id}-err`} className="field-error" data-testid="field-error">
          {errors.join('；')}
        </small>
      )}
    </div>
  );
}

/**
 * Splits API messages into those naming one of `fields` (they start with the field's name: "username must be…",
 * "config.regionId must be…") and the rest.
 */
export function splitFieldErrors<F extends string>(
  messages: string[],
  fields: readonly F[],
): { byField: Partial<Record<F, string[]>>; other: string[] } {
  const byField: Partial<Record<F, string[]>> = {};
  const other: string[] = [];
  const longestFirst = [...fields].sort((a, b) => b.length - a.length);
  for (const m of messages) {
    const f = longestFirst.find((name) => m === name || new RegExp(`^${escape(name)}(?=[\\s:.[]|$)`).test(m));
    if (f) (byField[f] ??= []).push(m);
    else other.push(m);
  }
  return { byField, other };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
