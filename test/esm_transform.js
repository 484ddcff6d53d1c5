// Jest transform for the ESM-only packages the data loaders use (hyparquet and friends): jest 29 runs tests
// in a CommonJS sandbox where import() needs --experimental-vm-modules, so lib/data/loaders/esm.ts falls back
// to require() under jest, and this turns those packages' ES modules into CommonJS. Plain Node never uses it.
const ts = require('typescript');

module.exports = {
  process(source, filename) {
    const out = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, allowJs: true, sourceMap: false },
    });
    return { code: out.outputText };
  },
  getCacheKey(source, filename) {
    return require('node:crypto').createHash('sha256').update(ts.version).update(filename).update(source).digest('hex');
  },
};
