#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled to dist/ by `npm install` (prepare) or `npm run build`.
const path = require('path');
const fs = require('fs');
const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('virtform: not built yet; run `npm run build` in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
require(entry).main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write('virtform: ' + (err && err.message ? err.message : String(err)) + '\n'); process.exitCode = 1; },
);
