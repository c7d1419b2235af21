/** An error for the page or form (role alert); nothing when there is none. */
export function ErrorAlert({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="alert alert-error" role="alert">
      {message}
    </p>
  );
}

/** A success notice (role status, read out politely); nothing when there is none. */
export function OkNotice({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="alert alert-ok" role="status">
      {message}
    </p>
  );
}
