// One measured scan, run in its own process so that its peak RSS is its own.
// Usage: node bench/run-scan.mjs TREE [--all]   (prints one JSON line)
import { analyzeFiles } from '../dist/analysis/analyze.js';
import { RULES } from '../dist/rules/index.js';
import { collectFiles } from '../dist/scan/collect.js';

const [tree, scope] = process.argv.slice(2);
process.chdir(tree);
const started = process.hrtime.bigint();
const { files } = collectFiles(['.'], { all: scope === '--all' });
const result = await analyzeFiles(files, { rules: RULES, defines: new Set() });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const byRule = {};
for (const f of result.findings) byRule[f.ruleId] = (byRule[f.ruleId] ?? 0) + 1;
process.stdout.write(JSON.stringify({
  files: files.length, functions: result.summary.functions,
  notFullyParsed: result.summary.functionsWithParseErrors.length, findings: result.findings.length, byRule,
  seconds, peakRssMB: process.resourceUsage().maxRSS / 1024,
}) + '\n');
