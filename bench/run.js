#!/usr/bin/env node
// `npm run bench -- <name> [args]`: runs the compiled benchmark dist/bench/<name>.js (from
// bench/<name>.ts) with the remaining arguments. Each benchmark prints one JSON object per line.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const available = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`bench: ${name ? `unknown benchmark '${name}'` : 'no benchmark named'}; available: ${available.join(', ')}`);
  console.error('usage: npm run bench -- <name> [options]');
  process.exit(2);
}
const compiled = path.join(root, 'dist', 'bench', `${name}.js`);
if (!fs.existsSync(compiled)) {
  console.error(`bench: ${path.relative(root, compiled)} is missing. HINT: run \`npm run build\` first.`);
  process.exit(2);
}
// A child process, so that --expose-gc lets memory benchmarks settle the GC before reading RSS.
const { spawnSync } = require('node:child_process');
const run = spawnSync(process.execPath, ['--expose-gc', compiled, ...process.argv.slice(3)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
