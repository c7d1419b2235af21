/**
 * The dependency rule between the folders of src/, checked on the import graph (run by `npm run lint`).
 *
 * Every folder directly under src/ is listed in scripts/boundaries.json under one layer: foundation, domain,
 * orchestration or app. A folder may import from its own layer or a layer below it; foundation folders import no domain
 * module; and no two folders may import each other, directly or through others (no cycle between folders). Imports are
 * read with the TypeScript compiler API from every src/**\/*.ts except specs: `import`/`export ... from`, `import()`
 * (also in types) and `require()`, relative ones only (packages are not folders of src/). Folders of the layers listed
 * under `servicesOnly` (the orchestrators) may not import another folder's `*.entity.ts`: they ask services. See
 * docs/ARCHITECTURE.md.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import * as ts from 'typescript';

export interface LayerTable {
  /** Lowest first: a layer may depend on itself and on the layers before it. */
  layers: { name: string; folders: string[] }[];
  /** Layers whose folders reach other modules' tables through their services only: no other folder's *.entity.ts. */
  servicesOnly?: string[];
}

export interface Violation {
  kind: 'unlisted-folder' | 'forbidden-import' | 'foreign-entity' | 'cycle';
  message: string;
}

export interface ImportEdge {
  file: string;
  specifier: string;
  fromFolder: string;
  toFolder: string;
}

/** Files at the top of src/ (main.ts, app.module.ts, app.setup.ts) belong to the app itself. */
export const APP_FOLDER = '(app)';

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listSources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function specifiersOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr)) found.push(expr.text);
    } else if (ts.isCallExpression(node)) {
      const [arg] = node.arguments;
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((isImport || isRequire) && arg && ts.isStringLiteralLike(arg)) found.push(arg.text);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg) && ts.isStringLiteral(arg.literal)) found.push(arg.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The folder under src/ that a path belongs to, or undefined outside src/. */
function folderOf(srcDir: string, path: string): string | undefined {
  const rel = relative(srcDir, path);
  if (rel.startsWith('..') || rel === '') return undefined;
  const parts = rel.split(sep);
  return parts.length === 1 ? APP_FOLDER : parts[0];
}

/** Every relative import between two different folders of `srcDir`. */
export function importEdges(srcDir: string): ImportEdge[] {
  const root = resolve(srcDir);
  const edges: ImportEdge[] = [];
  for (const file of listSources(root)) {
    const fromFolder = folderOf(root, file)!;
    for (const specifier of specifiersOf(file)) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier);
      const toFolder = folderOf(root, target);
      if (toFolder === undefined || toFolder === fromFolder) continue;
      // `../x` from src/a/b.ts names the folder src/x; a file src/x.ts is the app's own
      const isTopFile = existsSync(`${target}.ts`) && dirname(target) === root;
      edges.push({
        file: relative(dirname(root), file),
        specifier,
        fromFolder,
        toFolder: isTopFile ? APP_FOLDER : toFolder,
      });
    }
  }
  return edges;
}

/** Cycles between folders (each strongly connected component with more than one folder, listed once). */
function folderCycles(edges: ImportEdge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!graph.has(e.fromFolder)) graph.set(e.fromFolder, new Set());
    if (!graph.has(e.toFolder)) graph.set(e.toFolder, new Set());
    graph.get(e.fromFolder)!.add(e.toFolder);
  }
  // Tarjan's strongly connected components
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)!) {
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) connect(v);
  return components;
}

/** The shortest closed path through the folders of one strongly connected component, e.g. [a, b, a]. */
function shortestCycle(component: string[], edges: ImportEdge[]): string[] {
  const inside = new Set(component);
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!inside.has(e.fromFolder) || !inside.has(e.toFolder)) continue;
    const list = next.get(e.fromFolder) ?? [];
    if (!list.includes(e.toFolder)) list.push(e.toFolder);
    next.set(e.fromFolder, list.sort());
  }
  let best: string[] = [];
  for (const start of component) {
    // breadth-first from start back to start
    const parent = new Map<string, string>();
    const queue = [start];
    let found = false;
    while (queue.length > 0 && !found) {
      const v = queue.shift()!;
      for (const w of next.get(v) ?? []) {
        if (w === start) {
          const path = [start];
          for (let u = v; u !== start; u = parent.get(u)!) path.unshift(u);
          path.unshift(start);
          if (best.length === 0 || path.length < best.length) best = path;
          found = true;
          break;
        }
        if (!parent.has(w)) {
          parent.set(w, v);
          queue.push(w);
        }
      }
    }
  }
  return best;
}

export function checkBoundaries(srcDir: string, table: LayerTable): Violation[] {
  const rank = new Map<string, number>();
  const layerOf = new Map<string, string>();
  table.layers.forEach((layer, i) =>
    layer.folders.forEach((folder) => {
      rank.set(folder, i);
      layerOf.set(folder, layer.name);
    }),
  );
  const violations: Violation[] = [];
  const root = resolve(srcDir);
  const folders = readdirSync(root)
    .filter((name) => statSync(join(root, name)).isDirectory())
    .concat(readdirSync(root).some((name) => name.endsWith('.ts')) ? [APP_FOLDER] : []);
  for (const folder of folders) {
    if (!rank.has(folder)) {
      violations.push({
        kind: 'unlisted-folder',
        message: `src/${folder}/ is in no layer of the boundary table: add it to one (scripts/boundaries.json)`,
      });
    }
  }
  const edges = importEdges(root);
  for (const e of edges) {
    const from = rank.get(e.fromFolder);
    const to = rank.get(e.toFolder);
    if (from === undefined || to === undefined) continue;
    const servicesOnly = table.servicesOnly?.includes(layerOf.get(e.fromFolder)!) ?? false;
    if (servicesOnly && /\.entity(\.ts|\.js)?$/.test(e.specifier)) {
      violations.push({
        kind: 'foreign-entity',
        message:
          `${e.file} imports '${e.specifier}': ${e.fromFolder} (${layerOf.get(e.fromFolder)}) reaches another ` +
          `module's table through that module's service, not its entity`,
      });
    }
    if (to > from) {
      violations.push({
        kind: 'forbidden-import',
        message:
          `${e.file} imports '${e.specifier}': ${e.fromFolder} (${layerOf.get(e.fromFolder)}) may not depend on ` +
          `${e.toFolder} (${layerOf.get(e.toFolder)}), a higher layer`,
      });
    }
  }
  for (const cycle of folderCycles(edges)) {
    const path = shortestCycle(cycle, edges);
    const onPath = new Set(path.slice(0, -1).map((from, i) => `${from}>${path[i + 1]}`));
    const lines = edges
      .filter((e) => onPath.has(`${e.fromFolder}>${e.toFolder}`))
      .map((e) => `  ${e.file} imports '${e.specifier}' (${e.fromFolder} -> ${e.toFolder})`);
    violations.push({
      kind: 'cycle',
      message:
        `the folders ${cycle.join(', ')} import each other (a cycle), e.g. ${path.join(' -> ')}; ` +
        `the imports along it:\n${[...new Set(lines)].join('\n')}`,
    });
  }
  return violations;
}

export function loadLayerTable(path: string): LayerTable {
  return JSON.parse(readFileSync(path, 'utf8')) as LayerTable;
}

if (require.main === module) {
  const repo = resolve(__dirname, '..');
  const violations = checkBoundaries(join(repo, 'src'), loadLayerTable(join(__dirname, 'boundaries.json')));
  if (violations.length > 0) {
    for (const v of violations) console.error(`boundaries: ${v.message}`);
    console.error(`boundaries: ${violations.length} violation(s) of the dependency rule (docs/ARCHITECTURE.md)`);
    process.exit(1);
  }
  console.log('boundaries: the dependency rule holds (no forbidden import, no cycle between folders)');
}
