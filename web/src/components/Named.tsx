/**
 * A chat or a person as people know them: the name, with the id on hover (and in a screen reader's title); the bare
 * id in code when the directory has no name for it.
 */
export function Named({ name, id, className }: { name?: string | null; id?: string | null; className?: string }) {
  if (!id) return <code>—</code>;
  if (!name) return <code className={className}>{id}</code>;
  return (
    <span className={['named', className].filter(Boolean).join(' ')} title={id} data-id={id}>
      {name}
    </span>
  );
}
