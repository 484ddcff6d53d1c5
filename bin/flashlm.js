#!/usr/bin/env node
// The `flashlm` command. The real CLI is TypeScript (lib/cli/), compiled into dist/ by `npm install`.
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'lib', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error('flashlm: the TypeScript is not compiled (dist/ is missing). HINT: run `npm install` or `npm run build` in the flashlm folder.');
  process.exit(1);
}
require(entry).main(process.argv.slice(2)).then(
  (code) => process.exit(code ?? 0),
  (err) => {
    console.error(err && err.stack ? err.stack : String(err));
    process.exit(1);
  },
);
