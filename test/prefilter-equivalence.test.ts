// The pre-filter must not change what is found: every fixture, scanned with and
// without it, gives the same findings (same order, messages, traces).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles, ScopeTooLargeError } from '../src/analysis/analyze.js';
import { collectFiles } from '../src/scan/collect.js';
import { RULES } from '../src/rules/index.js';

const fixtures = path.resolve(__dirname, '..', 'fixtures');
const units = ['cases', 'examples'].flatMap((group) => {
  const dir = path.join(fixtures, group);
  return group === 'examples' ? [dir] : readdirSync(dir).sort().map((name) => path.join(dir, name));
});

async function findings(unit: string, prefilter: boolean): Promise<string> {
  const { files } = collectFiles([unit]);
  const result = await analyzeFiles(files, { rules: RULES, defines: new Set(), prefilter });
  return JSON.stringify(result.findings);
}

describe('pre-filter equivalence on the fixtures', () => {
  for (const unit of units) {
    it(path.relative(fixtures, unit) + (statSync(unit).isDirectory() ? '/' : ''), async () => {
      const without = await findings(unit, false);
      expect(await findings(unit, true)).toBe(without);
    });
  }
});

describe('scope too large', () => {
  it('a scan whose pre-filter needs more functions than the limit is refused with the numbers', async () => {
    const { files } = collectFiles([path.join(fixtures, 'examples')]);
    const run = analyzeFiles(files, { rules: RULES, defines: new Set(), maxNeeded: 2 });
    await expect(run).rejects.toBeInstanceOf(ScopeTooLargeError);
    await expect(run).rejects.toThrow(/reaches \d+ functions to analyse in \d+ files/);
    // Under the limit (and without the pre-filter, which has no such count) it runs.
    expect((await analyzeFiles(files, { rules: RULES, defines: new Set(), maxNeeded: 100 })).findings.length).toBe(2);
  });
});
