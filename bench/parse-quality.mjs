// `node bench/parse-quality.mjs TREE`: how well kernel C parses in the default scope.
// - function definitions with ERROR/MISSING nodes (analysed as far as they parse);
// - definitions found by name versus a plain-text scan (kernel style: the body's `{`
//   at column 0, the name on the line that opens the parameter list), which catches
//   silent mis-parses that leave no ERROR node;
// - calls to model primitives that sit inside ERROR regions (invisible to the CFG).
import { collectFiles } from '../dist/scan/collect.js';
import { readSource } from '../dist/parser/source.js';
import { parseSource } from '../dist/parser/parse.js';
import { descendants } from '../dist/parser/syntax.js';
import { BUILTIN_MODEL } from '../dist/model/primitives.js';

const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'do']);
const primitives = new Set(BUILTIN_MODEL.flatMap((g) => Object.keys(g.primitives)));

function textScanNames(text) {
  const lines = text.split('\n');
  const names = new Set();
  lines.forEach((line, i) => {
    if (!line.startsWith('{')) return;
    for (let j = i - 1; j >= 0 && j > i - 8; j--) {
      const m = /^[A-Za-z_][^;=]*?\b([A-Za-z_]\w*)\s*\(/.exec(lines[j]);
      if (m && !KEYWORDS.has(m[1])) { names.add(m[1]); break; }
      if (lines[j].startsWith('}') || lines[j].startsWith('#')) break;
    }
  });
  return names;
}

process.chdir(process.argv[2]);
const { files } = collectFiles(['.']);
let functions = 0, withErrors = 0, textOnly = [], primitiveCallsInErrors = [];
for (const file of files) {
  if (file.endsWith('.S')) continue;
  const source = readSource(file);
  const parsed = parseSource(source);
  const parsedNames = new Set(parsed.functions.map((f) => f.name));
  for (const name of textScanNames(source.text)) if (!parsedNames.has(name)) textOnly.push(`${file}: ${name}`);
  for (const fn of parsed.functions) {
    functions++;
    if (!fn.parseErrors) continue;
    withErrors++;
    for (const n of descendants(fn.body)) {
      if (n.type !== 'ERROR') continue;
      const text = source.text.slice(n.startIndex, n.endIndex);
      for (const m of text.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) if (primitives.has(m[1])) primitiveCallsInErrors.push(`${file}:${n.startRow + 1}: ${m[1]}() in ${fn.name}()`);
    }
  }
}
console.log(`functions: ${functions}; with ERROR/MISSING nodes: ${withErrors} (${(100 * withErrors / functions).toFixed(2)}%)`);
console.log(`definitions a text scan finds that the parse does not: ${textOnly.length}`);
for (const t of textOnly.slice(0, 30)) console.log(`  ${t}`);
console.log(`model primitive calls inside ERROR regions: ${primitiveCallsInErrors.length}`);
for (const t of primitiveCallsInErrors) console.log(`  ${t}`);
