'use strict';
// `node -r ./test/support/swc-register.js FILE`: runs virtform's TypeScript sources directly
// (compiled in memory with @swc/core, as jest does), so tests that start the CLI as its own
// process run the code under test, not whatever dist/ holds.
const fs = require('fs');
const { transformSync } = require('@swc/core');

require.extensions['.ts'] = (module, filename) => {
  const out = transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  });
  module._compile(out.code, filename);
};
