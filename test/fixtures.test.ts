// The fixture suite is the contract: every `/* expect: rule */` line must be
// reported, every other line must stay quiet. `known-miss` records a real bug we
// do not find (the test fails when it starts being found, so the note is
// updated); `known-fp` records a false positive we still report.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../src/analysis/analyze.js';
import { readUserModel, type UserModel } from '../src/model/user-model.js';
import { RULES } from '../src/rules/index.js';

const root = path.join(__dirname, '..', 'fixtures');

interface Unit { name: string; files: string[] }

function units(dir: string): Unit[] {
  const out: Unit[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) {
      const files = (readdirSync(full, { recursive: true }) as string[]).filter((f) => /\.[chS]$/.test(f)).sort().map((f) => path.join(full, f));
      out.push({ name: path.relative(root, full), files });
    } else if (/\.c$/.test(entry)) {
      out.push({ name: path.relative(root, full), files: [full] });
    }
  }
  return out;
}

type Kind = 'expect' | 'known-miss' | 'known-fp';

function annotations(files: string[]): { kind: Kind; key: string }[] {
  const out: { kind: Kind; key: string }[] = [];
  for (const file of files) {
    readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
      for (const m of line.matchAll(/\/\*\s*(expect|known-miss|known-fp):\s*([a-z0-9,\s-]+?)\s*\*\//g)) {
        for (const rule of m[2]!.split(',').map((r) => r.trim())) {
          out.push({ kind: m[1] as Kind, key: `${path.relative(root, file)}:${i + 1}: ${rule}` });
        }
      }
    });
  }
  return out;
}

/** `/* eqscheck-args: -D NAME --model FILE *\/`: options for the unit (model paths relative to the fixture). */
function options(files: string[]): { defines: Set<string>; models: UserModel[] } {
  const defines = new Set<string>();
  const models: UserModel[] = [];
  for (const f of files) {
    const m = /\/\*\s*eqscheck-args:([^*]*)\*\//.exec(readFileSync(f, 'utf8'));
    if (!m) continue;
    for (const d of m[1]!.matchAll(/-D\s*([A-Za-z_]\w*)/g)) defines.add(d[1]!);
    for (const d of m[1]!.matchAll(/--model\s+(\S+)/g)) models.push(readUserModel(path.resolve(path.dirname(f), d[1]!)));
  }
  return { defines, models };
}

const examplesDir = path.join(root, 'examples');
const examples: Unit = {
  name: 'examples',
  files: readdirSync(examplesDir).filter((f) => /\.[ch]$/.test(f)).sort().map((f) => path.join(examplesDir, f)),
};
const all = [...units(path.join(root, 'cases')), examples];

describe('fixtures', () => {
  it('has a substantial suite', () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
  });

  it.each(all.map((u) => [u.name, u] as const))('%s', async (_name, unit) => {
    const result = await analyzeFiles(unit.files, { rules: RULES, ...options(unit.files) });
    const reported = new Set(result.findings.map((f) => `${path.relative(root, path.resolve(f.file))}:${f.line}: ${f.ruleId}`));
    const notes = annotations(unit.files);
    const expected = new Set(notes.filter((n) => n.kind !== 'known-miss').map((n) => n.key));
    const knownMisses = notes.filter((n) => n.kind === 'known-miss').map((n) => n.key);
    const missing = [...expected].filter((k) => !reported.has(k));
    const unexpected = [...reported].filter((k) => !expected.has(k));
    const nowFound = knownMisses.filter((k) => reported.has(k));
    expect({ missing, unexpected: unexpected.filter((k) => !nowFound.includes(k)), nowFoundKnownMisses: nowFound })
      .toEqual({ missing: [], unexpected: [], nowFoundKnownMisses: [] });
    expect(result.summary.functionsWithParseErrors).toEqual([]);
    expect(result.summary.unnamedFunctions).toBe(0);
  });
});
