// The fixture suite is the contract: every `/* expect: rule */` line must be
// reported (by a finding whose message holds the annotation's `{{fragments}}`),
// every other line must stay quiet. `known-miss` records a real bug we do not
// find (the test fails when it starts being found, so the note is updated);
// `known-fp` records a false positive we still report. See helpers/annotations.ts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles, type AnalyzeResult } from '../src/run/analyze.js';
import { readUserModel } from '../src/model/user-model.js';
import { NO_CONFIGURATION, withCommandLine } from '../src/kernel/configuration.js';
import { RULES } from '../src/rules/index.js';
import { CLEAN, checkAnnotations, findingKey, parseAnnotations, readAnnotations, type Reported } from './helpers/annotations.js';
import { FIXTURES_DIR, fixtureUnits, type FixtureUnit } from './helpers/fixture-units.js';

const all = fixtureUnits();

function analyze(unit: FixtureUnit): Promise<AnalyzeResult> {
  return analyzeFiles(unit.files, { rules: RULES, configuration: withCommandLine(NO_CONFIGURATION, unit.defines, []), models: unit.models.map(readUserModel) });
}

function reported(result: AnalyzeResult): Reported[] {
  return result.findings.map((f) => ({ key: findingKey(f.file, f.line, f.ruleId), message: f.message }));
}

describe('fixtures', () => {
  it('has a substantial suite', () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
  });

  it.each(all.map((u) => [u.name, u] as const))('%s', async (_name, unit) => {
    // A unit the scan reads nothing of checks nothing (a tree's files outside its default scope).
    expect(unit.files.length).toBeGreaterThan(0);
    const result = await analyze(unit);
    expect(checkAnnotations(readAnnotations(unit.files), reported(result))).toEqual(CLEAN);
    expect(result.summary.functionsWithParseErrors).toEqual([]);
    expect(result.summary.unnamedFunctions).toBe(0);
  });
});

describe('annotations', () => {
  const at = (line: number, rule: string) => findingKey(path.join(FIXTURES_DIR, 'cases', 'x.c'), line, rule);
  const parse = (text: string) => parseAnnotations(text, path.join(FIXTURES_DIR, 'cases', 'x.c'));

  it('reads rules, several per line, each with its fragments', () => {
    expect(parse('a();\nb(); /* expect: eqs-unbalanced */\nc(); /* expect: irq-enabled-in-eqs {{enables interrupts}} {{guest, user}}, vtime-unbalanced */\n'))
      .toEqual([
        { kind: 'expect', key: at(2, 'eqs-unbalanced'), fragments: [] },
        { kind: 'expect', key: at(3, 'irq-enabled-in-eqs'), fragments: ['enables interrupts', 'guest, user'] },
        { kind: 'expect', key: at(3, 'vtime-unbalanced'), fragments: [] },
      ]);
  });

  it('refuses what it cannot read, instead of ignoring the line', () => {
    expect(() => parse('x(); /* expect: Irq-Enabled */')).toThrow(/x\.c:1: malformed annotation/);
    expect(() => parse('x(); /* expect: eqs-unbalanced {{}} */')).toThrow(/empty \{\{\}\}/);
    expect(() => parse('x(); /* expect: eqs-unbalanced {{unclosed} */')).toThrow(/malformed/);
    expect(() => parse('x(); /* known-miss: eqs-unbalanced {{leaves}} */')).toThrow(/no message to check/);
  });

  it('a fragment the message lacks fails the fixture; the fixture\'s own fragments pass', async () => {
    const unit = all.find((u) => u.name === 'cases/arch--arm64-irq-enable-before-guest-exit.c')!;
    const text = readFileSync(unit.files[0]!, 'utf8');
    const fragment = /\{\{(.*?)\}\}/.exec(text)![1]!;
    const found = reported(await analyze(unit));
    expect(checkAnnotations(parseAnnotations(text, unit.files[0]!), found)).toEqual(CLEAN);
    const wrong = checkAnnotations(parseAnnotations(text.replace(`{{${fragment}}}`, '{{enables interrupts while the user context}}'), unit.files[0]!), found);
    expect(wrong.wrongMessages).toEqual([{
      at: expect.stringMatching(/^cases\/arch--arm64-irq-enable-before-guest-exit\.c:\d+: irq-enabled-in-eqs$/),
      wants: expect.arrayContaining(['enables interrupts while the user context']),
      messages: [expect.stringContaining(fragment)],
    }]);
    expect({ ...wrong, wrongMessages: [] }).toEqual(CLEAN);
  });

  it('a fragment must be in one finding with the others, not spread over two', () => {
    const key = at(3, 'irq-enabled-in-eqs');
    const notes = parse('\n\nx(); /* expect: irq-enabled-in-eqs {{alpha}} {{beta}} */');
    expect(checkAnnotations(notes, [{ key, message: 'alpha' }, { key, message: 'beta' }]).wrongMessages).toHaveLength(1);
    expect(checkAnnotations(notes, [{ key, message: 'alpha' }, { key, message: 'beta, alpha' }])).toEqual(CLEAN);
  });
});
