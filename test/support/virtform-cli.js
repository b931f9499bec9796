'use strict';
// The virtform CLI from its TypeScript sources (with ./swc-register.js), as bin/virtform.js runs
// the built one: `node -r ./swc-register.js virtform-cli.js ARGS...`.
require('../../cli/main').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write('virtform: ' + (err && err.message ? err.message : String(err)) + '\n'); process.exitCode = 1; },
);
