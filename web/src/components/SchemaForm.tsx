import { useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useI18n, type Lang, type Translate } from '../i18n';
import {
  childPath,
  enumTitle,
  fromDraft,
  isDraftObject,
  isSecret,
  itemSchema,
  kindOf,
  moveItem,
  setAt,
  textOf,
  toDraft,
  type Draft,
  type JsonSchema,
  type Problems,
} from './schema-model';

const NO_ERRORS: Record<string, string[]> = {};

/**
 * A form generated from a JSON Schema (a plugin's configSchema): one labelled field per property (title, else the
 * key; the description as its hint), defaults shown, required marked, the schema's limits checked as you type (after
 * leaving a field, and on save), secrets (`format: "password"`, `writeOnly`) masked, and the server's 400 messages
 * shown next to the field they name. No form library: the model is in schema-model.ts.
 */
export function SchemaForm({
  schema,
  value,
  readOnly = false,
  serverErrors = NO_ERRORS,
  onSubmit,
  submitLabel,
  busy = false,
  testId,
}: {
  schema: JsonSchema;
  value: Record<string, unknown>;
  readOnly?: boolean;
  /** Messages of the last save, by field path (see serverProblems). */
  serverErrors?: Record<string, string[]>;
  onSubmit: (value: Record<string, unknown>) => void;
  submitLabel: string;
  busy?: boolean;
  testId?: string;
}) {
  const { t, lang } = useI18n();
  const formId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState<Draft>(() => toDraft(schema, value));
  const [touched, setTouched] = useState<Set<string>>(() => new Set());
  const [submitted, setSubmitted] = useState(false);
  // server messages stay until their field is edited
  const [edited, setEdited] = useState<Set<string>>(() => new Set());
  const [lastServer, setLastServer] = useState(serverErrors);
  if (lastServer !== serverErrors) {
    setLastServer(serverErrors);
    setEdited(new Set());
  }

  const { result, problems } = useMemo(() => {
    const p: Problems = {};
    const r = fromDraft(schema, draft, '', true, p);
    return { result: r.value as Record<string, unknown>, problems: p };
  }, [schema, draft]);

  const ctx: FieldContext = {
    t,
    lang,
    formId,
    readOnly,
    errorsAt: (path) => {
      const own = submitted || touched.has(path) ? (problems[path] ?? []).map((p) => t(p.key, p.vars)) : [];
      const server = edited.has(path) ? [] : (serverErrors[path] ?? []);
      return [...own, ...server];
    },
    change: (path, parts, v) => {
      setDraft((d) => setAt(d, parts, v));
      setEdited((e) => new Set(e).add(path));
    },
    touch: (path) => setTouched((s) => (s.has(path) ? s : new Set(s).add(path))),
  };

  const count = Object.keys(problems).length;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (count > 0) {
      // focus the first field with a problem
      requestAnimationFrame(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    onSubmit(result);
  };

  return (
    <form ref={formRef} className="form schema-form" noValidate onSubmit={submit} data-testid={testId}>
      <ObjectFields schema={schema} draft={draft} path="" parts={[]} ctx={ctx} />
      {submitted && count > 0 && (
        <p className="alert alert-error" role="alert">
          {t('sf.invalid', { n: count })}
        </p>
      )}
      {!readOnly && (
        <div className="actions">
          {/* keeping the focus where it is on mousedown: otherwise the blur shows a message, the button moves down,
              and the mouseup misses it (no click) */}
          <button type="submit" className="button primary" disabled={busy} onMouseDown={(e) => e.preventDefault()}>
            {submitLabel}
          </button>
        </div>
      )}
    </form>
  );
}

interface FieldContext {
  t: Translate;
  lang: Lang;
  formId: string;
  readOnly: boolean;
  errorsAt(path: string): string[];
  change(path: string, parts: (string | number)[], value: Draft): void;
  touch(path: string): void;
}

function idOf(ctx: FieldContext, path: string): string {
  return `${ctx.formId}-${path.replace(/[^\w-]/g, '_')}`;
}

function ObjectFields({
  schema,
  draft,
  path,
  parts,
  ctx,
}: {
  schema: JsonSchema;
  draft: Draft;
  path: string;
  parts: (string | number)[];
  ctx: FieldContext;
}) {
  const fields = isDraftObject(draft) ? draft.fields : {};
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([key, sub]) => (
        <Field
          key={key}
          name={key}
          schema={sub}
          draft={fields[key] ?? toDraft(sub, undefined)}
          path={childPath(path, key)}
          parts={[...parts, key]}
          required={!!schema.required?.includes(key)}
          ctx={ctx}
        />
      ))}
    </>
  );
}

function Errors({ id, errors }: { id: string; errors: string[] }) {
  if (errors.length === 0) return null;
  return (
    <small id={id} className="field-error" data-testid="field-error">
      {errors.join('；')}
    </small>
  );
}

function defaultText(schema: JsonSchema, lang: Lang): string | null {
  if (schema.default === undefined || isSecret(schema)) return null;
  if (kindOf(schema) === 'enum') {
    const i = (schema.enum ?? []).findIndex((o) => JSON.stringify(o) === JSON.stringify(schema.default));
    if (i >= 0) return enumTitle(schema, i, lang);
  }
  return typeof schema.default === 'string' ? schema.default : JSON.stringify(schema.default);
}

function Field({
  name,
  schema,
  draft,
  path,
  parts,
  required,
  ctx,
}: {
  name: string;
  schema: JsonSchema;
  draft: Draft;
  path: string;
  parts: (string | number)[];
  required: boolean;
  ctx: FieldContext;
}) {
  const { t } = ctx;
  const id = idOf(ctx, path);
  const kind = kindOf(schema);
  const errors = ctx.errorsAt(path);
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  const fallback = defaultText(schema, ctx.lang);
  const description = textOf(schema, 'description', ctx.lang);
  const hint: ReactNode = (description || fallback !== null || kind === 'json') && (
    <small id={hintId} className="muted">
      {description}
      {description && fallback !== null ? ' · ' : ''}
      {fallback !== null && t('sf.default', { value: fallback })}
      {kind === 'json' && ` (${t('sf.jsonHint')})`}
    </small>
  );
  const describedBy =
    [description || fallback !== null || kind === 'json' ? hintId : '', errors.length ? errId : '']
      .filter(Boolean)
      .join(' ') || undefined;
  const label = (
    <>
      {textOf(schema, 'title', ctx.lang) ?? name}
      {required && (
        <abbr className="required" title={t('sf.requiredMark')}>
          {' '}
          *
        </abbr>
      )}
    </>
  );
  const common = {
    id,
    name: path,
    'aria-invalid': errors.length > 0,
    'aria-describedby': describedBy,
    'aria-required': required || undefined,
    disabled: ctx.readOnly,
    onBlur: () => ctx.touch(path),
  };

  if (kind === 'object')
    return (
      <fieldset className="fieldset" aria-describedby={describedBy}>
        <legend>{label}</legend>
        {hint}
        <Errors id={errId} errors={errors} />
        <ObjectFields schema={schema} draft={draft} path={path} parts={parts} ctx={ctx} />
      </fieldset>
    );

  if (kind === 'array') return <ArrayField {...{ name, schema, draft, path, parts, required, ctx, label, hint }} />;

  if (kind === 'boolean')
    return (
      <div className="field">
        <label className="check">
          <input
            {...common}
            type="checkbox"
            checked={draft === true}
            onChange={(e) => ctx.change(path, parts, e.target.checked)}
          />
          <span>{label}</span>
        </label>
        {hint}
        <Errors id={errId} errors={errors} />
      </div>
    );

  return (
    <div className="field">
      <label htmlFor={id}>
        <span>{label}</span>
      </label>
      <Input
        schema={schema}
        kind={kind}
        draft={draft}
        common={common}
        onChange={(v) => ctx.change(path, parts, v)}
        t={t}
        lang={ctx.lang}
        required={required}
      />
      {hint}
      <Errors id={errId} errors={errors} />
    </div>
  );
}

function Input({
  schema,
  kind,
  draft,
  common,
  onChange,
  t,
  lang,
  required,
}: {
  schema: JsonSchema;
  kind: ReturnType<typeof kindOf>;
  draft: Draft;
  common: Record<string, unknown>;
  onChange: (v: string) => void;
  t: Translate;
  lang: Lang;
  required: boolean;
}) {
  const text = typeof draft === 'string' ? draft : '';
  if (kind === 'enum')
    return (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        {(!required || text === '') && <option value="">{t('sf.unset')}</option>}
        {(schema.enum ?? []).map((o, i) => (
          <option key={JSON.stringify(o)} value={JSON.stringify(o)}>
            {enumTitle(schema, i, lang)}
          </option>
        ))}
      </select>
    );
  if (kind === 'json')
    return <textarea {...common} rows={4} spellCheck={false} value={text} onChange={(e) => onChange(e.target.value)} />;
  if (kind === 'number' || kind === 'integer')
    return (
      <input
        {...common}
        type="text"
        inputMode={kind === 'integer' ? 'numeric' : 'decimal'}
        autoComplete="off"
        value={text}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  const secret = isSecret(schema);
  const long = !secret && typeof schema.maxLength === 'number' && schema.maxLength > 200;
  if (long) return <textarea {...common} rows={2} value={text} onChange={(e) => onChange(e.target.value)} />;
  return (
    <input
      {...common}
      type={secret ? 'password' : schema.format === 'email' ? 'email' : schema.format === 'uri' ? 'url' : 'text'}
      autoComplete={secret ? 'new-password' : 'off'}
      value={text}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

function ArrayField({
  name,
  schema,
  draft,
  path,
  parts,
  ctx,
  label,
  hint,
}: {
  name: string;
  schema: JsonSchema;
  draft: Draft;
  path: string;
  parts: (string | number)[];
  required: boolean;
  ctx: FieldContext;
  label: ReactNode;
  hint: ReactNode;
}) {
  const { t } = ctx;
  const items = Array.isArray(draft) ? draft : [];
  const item = itemSchema(schema);
  const title = textOf(schema, 'title', ctx.lang) ?? name;
  const errId = `${idOf(ctx, path)}-err`;
  const errors = ctx.errorsAt(path);
  return (
    <fieldset className="fieldset" aria-describedby={errors.length ? errId : undefined}>
      <legend>{label}</legend>
      {hint}
      {items.length === 0 && <p className="muted small">{t('sf.noItems')}</p>}
      <ol className="array-items">
        {items.map((d, i) => {
          const p = childPath(path, i);
          return (
            <li key={i} className={kindOf(item) === 'object' ? 'array-row' : undefined} data-testid="array-row">
              <Field
                name={t('sf.item', { n: i + 1 })}
                schema={{ ...item, title: t('sf.item', { n: i + 1 }), description: undefined, default: undefined }}
                draft={d}
                path={p}
                parts={[...parts, i]}
                required={false}
                ctx={ctx}
              />
              {!ctx.readOnly && (
                <div className="row-actions">
                  <button
                    type="button"
                    className="button small"
                    disabled={i === 0}
                    aria-label={`${title}: ${t('sf.moveUp', { n: i + 1 })}`}
                    onClick={() => ctx.change(path, parts, moveItem(items, i, i - 1))}
                  >
                    ↑ {t('sf.up')}
                  </button>
                  <button
                    type="button"
                    className="button small"
                    disabled={i === items.length - 1}
                    aria-label={`${title}: ${t('sf.moveDown', { n: i + 1 })}`}
                    onClick={() => ctx.change(path, parts, moveItem(items, i, i + 1))}
                  >
                    ↓ {t('sf.down')}
                  </button>
                  <button
                    type="button"
                    className="button small danger"
                    aria-label={`${title}: ${t('sf.removeItem', { n: i + 1 })}`}
                    onClick={() =>
                      ctx.change(
                        path,
                        parts,
                        items.filter((_, j) => j !== i),
                      )
                    }
                  >
                    {t('common.delete')}
                  </button>
                </div>
              )}
            </li>
          );
        })}
      </ol>
      {!ctx.readOnly && (
        <button
          type="button"
          className="button small"
          aria-label={`${title}: ${t('sf.addItem')}`}
          onClick={() => ctx.change(path, parts, [...items, toDraft(item, undefined)])}
        >
          + {t('sf.addItem')}
        </button>
      )}
      <Errors id={errId} errors={errors} />
    </fieldset>
  );
}
