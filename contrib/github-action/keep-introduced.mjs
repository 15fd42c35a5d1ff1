// node keep-introduced.mjs DIFF.sarif OUT.sarif: the results of an `eqscheck diff`
// SARIF log that the change introduces (baselineState "new"), for code scanning.
// The fixed ones ("absent") are located in the old version, and code scanning
// does not read baselineState: uploaded, they would be alerts at lines of the new
// version that hold other code.
import { readFileSync, writeFileSync } from 'node:fs';

const [from, to] = process.argv.slice(2);
if (!from || !to) {
  process.stderr.write('usage: node keep-introduced.mjs DIFF.sarif OUT.sarif\n');
  process.exit(2);
}
const log = JSON.parse(readFileSync(from, 'utf8'));
for (const run of log.runs) run.results = (run.results ?? []).filter((r) => r.baselineState !== 'absent');
writeFileSync(to, `${JSON.stringify(log, null, 2)}\n`);
