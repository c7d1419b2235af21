/**
 * A LIKE pattern matching `s` anywhere, its wildcards literal: use with `ESCAPE '!'` (SQLite has no default escape,
 * and '!' means the same in MySQL and SQLite, unlike a backslash).
 */
export function containsPattern(s: string): string {
  return `%${s.replace(/[!%_]/g, (c) => '!' + c)}%`;
}
