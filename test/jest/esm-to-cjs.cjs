/**
 * Jest loads modules itself and, on Node 20, cannot `require()` an ES module. NestJS 12 (and a few of its
 * dependencies) ship ESM only, so this transformer rewrites ESM files from node_modules to CommonJS with Babel.
 * Files that are already CommonJS are passed through untouched (Babel would add "use strict" and could break them).
 */
const babelJest = require('babel-jest').default;

const ESM_SYNTAX = /^\s*(import\s*[\w*{'"]|export\s|import\.meta)|\bimport\.meta\b/m;

const babel = babelJest.createTransformer({
  babelrc: false,
  configFile: false,
  plugins: [
    require.resolve('babel-plugin-transform-import-meta'),
    require.resolve('@babel/plugin-transform-dynamic-import'),
    require.resolve('@babel/plugin-transform-modules-commonjs'),
  ],
});

module.exports = {
  canInstrument: false,
  getCacheKey(source, filename, options) {
    return babel.getCacheKey(source, filename, options) + (ESM_SYNTAX.test(source) ? ':esm3' : ':cjs');
  },
  process(source, filename, options) {
    if (!ESM_SYNTAX.test(source)) return { code: source };
    // ESM code that rebuilds `require` would shadow CommonJS's own once compiled (and hit its TDZ): use the real one.
    const code = source.replace(/^\s*const require = createRequire\(import\.meta\.url\);?\s*$/m, '');
    return babel.process(code, filename, options);
  },
};
