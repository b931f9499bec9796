#!/usr/bin/env node
'use strict';
// Build-time artifacts derived from the compiled code in dist/ (run by `npm run build` after tsc):
//   - dist/cli/commands/verb-manifest.json: every verb's help line, so a command line loads only
//     the verb it names (cli/verb-manifest.ts).
const path = require('path');

const dist = path.join(__dirname, '..', 'dist');
const written = [require(path.join(dist, 'cli', 'verb-manifest.js')).writeVerbManifest()];
for (const f of written) process.stdout.write(`postbuild: wrote ${path.relative(path.join(__dirname, '..'), f)}\n`);
