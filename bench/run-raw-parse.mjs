// The baseline: tree-sitter-c parsing the same files, nothing else (one process).
// Usage: node bench/run-raw-parse.mjs TREE [--all]   (prints one JSON line)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { collectFiles } from '../dist/scan/collect.js';

const require = createRequire(import.meta.url);
const Parser = require('tree-sitter');
const C = require('tree-sitter-c');
const [tree, scope] = process.argv.slice(2);
process.chdir(tree);
const { files } = collectFiles(['.'], { all: scope === '--all' });
const parser = new Parser();
parser.setLanguage(C);
let bytes = 0;
const started = process.hrtime.bigint();
for (const f of files) {
  if (f.endsWith('.S')) continue;
  const text = readFileSync(f, 'latin1');
  bytes += text.length;
  parser.parse(text, undefined, { bufferSize: text.length * 2 + 1024 });
  if (files.length > 1000) await new Promise((r) => setImmediate(r));
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(JSON.stringify({ files: files.length, megabytes: bytes / 1e6, seconds }) + '\n');
