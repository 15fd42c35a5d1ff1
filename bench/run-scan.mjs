// One measured scan, run in its own process so that its peak RSS is its own
// (worker threads included: they share the process).
// Usage: node bench/run-scan.mjs TREE [--all] [--cache DIR] [--jobs N] [--no-prefilter]
// Prints one JSON line.
import { createHash } from 'node:crypto';
import { analyzeFiles, ScopeTooLargeError } from '../dist/run/analyze.js';
import { Cache } from '../dist/cache/cache.js';
import { RULES } from '../dist/rules/index.js';
import { collectFiles } from '../dist/scan/collect.js';

const [tree, ...args] = process.argv.slice(2);
const option = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
process.chdir(tree);
const started = process.hrtime.bigint();
const { files } = collectFiles(['.'], { all: args.includes('--all') });
const cacheDir = option('--cache');
let result;
try {
  result = await analyzeFiles(files, {
    rules: RULES, defines: new Set(), cache: cacheDir ? new Cache(cacheDir) : null,
    jobs: option('--jobs') ? Number(option('--jobs')) : undefined, prefilter: !args.includes('--no-prefilter'),
  });
} catch (err) {
  if (!(err instanceof ScopeTooLargeError)) throw err;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ refused: true, needed: err.needed, filesToParse: err.files, files: files.length,
    seconds, peakRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
  process.exit(0);
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const byRule = {};
for (const f of result.findings) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
process.stdout.write(JSON.stringify({
  files: result.summary.files, filesParsed: result.summary.filesParsed, functions: result.summary.functions,
  notFullyParsed: result.summary.functionsWithParseErrors.length, findings: result.findings.length, byRule,
  findingsHash: createHash('sha1').update(JSON.stringify(result.findings)).digest('hex').slice(0, 12), seconds, peakRssMB: process.resourceUsage().maxRSS / 1024,
}) + '\n');
