/**
 * Helpers that make a configuration error actionable: where in the file a key is, and which known name a misspelt
 * one probably meant. Pure functions, no I/O.
 */

/** Edit distance between two strings (optimal string alignment: a swap of two neighbours counts as one edit). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}

/**
 * The candidate closest to `name` (case-insensitive), when it is close enough to be a likely typo: at most a third of
 * the name's length in edits, and at least 2 allowed. Ties go to the first candidate. Null when none is close.
 */
export function closest(name: string, candidates: Iterable<string>): string | null {
  const n = name.toLowerCase();
  const limit = Math.max(2, Math.floor(n.length / 3));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const distance = editDistance(n, c.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [c, distance];
  }
  return bestDistance <= limit ? best : null;
}

export interface TomlPosition {
  line: number;
  column: number;
}

const bare = (s: string) => s.trim().replace(/^(["'])(.*)\1$/, '$2');

/**
 * Where a table header (`key` undefined) or a key of a table is written in a TOML text, as 1-based line and column;
 * null when it cannot be found by this simple scan (inline tables, multi-line strings that look like keys…). Understands
 * `[section]` headers followed by `key = …`, and dotted keys `section.key = …` at the top level.
 */
export function locateInToml(text: string, section: string, key?: string): TomlPosition | null {
  let current = '';
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const header = /^(\s*)\[\s*([^\]]+?)\s*\]/.exec(line);
    if (header && !line.trimStart().startsWith('[[')) {
      current = bare(header[2]);
      if (key === undefined && current === section) return { line: i + 1, column: header[1].length + 1 };
      continue;
    }
    const assignment = /^(\s*)([A-Za-z0-9_\-."' ]+?)\s*=/.exec(line);
    if (!assignment) continue;
    const path = assignment[2].split('.').map(bare);
    const full = current ? [current, ...path] : path;
    if (full[0] === section && (key === undefined ? !current : full[1] === key))
      return { line: i + 1, column: assignment[1].length + 1 };
  }
  return null;
}
