/**
 * Fills a message template: `{name}` is the variable; `{name:one|other}` picks by the number in `name` — the first
 * form for exactly 1, the second otherwise — with `#` standing for the number (English plurals:
 * `'{n:# plugin|# plugins}'`). A variable not given stays as written.
 */
export function interpolate(template: string, vars?: Record<string, string | number>): string {
  return template.replace(
    /\{(\w+)(?::([^{}|]*)\|([^{}]*))?\}/g,
    (whole, name: string, one?: string, other?: string) => {
      const value = vars?.[name];
      if (value === undefined) return whole;
      if (one === undefined || other === undefined) return String(value);
      return (Number(value) === 1 ? one : other).replace(/#/g, String(value));
    },
  );
}
