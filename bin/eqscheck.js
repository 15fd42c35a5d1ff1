#!/usr/bin/env node
import { internalErrorMessage, main } from '../dist/cli/main.js';

// A reader that stops early (`eqscheck scan | head`) is not an error: what it
// did not read is dropped, quietly, and the exit status is the run's.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err && err.code === 'EPIPE') return;
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(internalErrorMessage(err));
    process.exitCode = 3;
  },
);
