// The per-file tasks (run/file-tasks): a build parses only the definitions it is
// given, at their own lines, whatever the file's encoding.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Model } from '../src/model/model.js';
import { Configuration, NO_CONFIGURATION } from '../src/kernel/configuration.js';
import { buildFile, indexFile, type BuildTask, type FileWork } from '../src/run/file-tasks.js';

const work: FileWork = { model: new Model(), configuration: new Configuration(NO_CONFIGURATION) };

const dir = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-tasks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function task(file: string, wanted: string[]): BuildTask {
  const indexed = indexFile({ file }, work);
  if (indexed.kind !== 'c') throw new Error(indexed.kind);
  const defs = indexed.index.functions.filter((f) => wanted.includes(f.name));
  return {
    file, unreliable: false, known: [], headerConstants: [], headerPredicates: [],
    wanted: defs.map((f) => ({ name: f.name, line: f.line, declStart: f.declStart, end: f.end })),
  };
}

function built(t: BuildTask): { name: string; line: number; calls: string[] }[] {
  const r = buildFile(t, work);
  if (r.kind !== 'built') throw new Error(r.problem);
  return r.parsed.functions.map((f) => ({
    name: f.name, line: f.line,
    calls: f.cfg!.blocks.flatMap((b) => b.events).flatMap((e) => (e.kind === 'call' && e.callee ? [e.callee] : [])),
  }));
}

const SOURCE = [
  '/* Ünïcödé — before the definitions: bytes and characters differ from here on (日本) */',
  'static int other(void)',
  '{',
  '\treturn local_irq_enable(), 0;',
  '}',
  '',
  'void wanted(void)',
  '{',
  '\t/* Grüße */ local_irq_disable();',
  '\tguest_state_enter_irqoff();',
  '}',
  '#define relax() cpu_relax_for(1)',
  '',
].join('\n');

describe('build tasks', () => {
  it('build only the definitions wanted, at their lines, in a UTF-8 file that is not ASCII', () => {
    const file = path.join(dir, 'utf8.c');
    writeFileSync(file, SOURCE, 'utf8');
    expect(built(task(file, ['wanted']))).toEqual([{ name: 'wanted', line: 7, calls: ['local_irq_disable', 'guest_state_enter_irqoff'] }]);
  });

  it('and in a Latin-1 file (decoded byte for byte)', () => {
    const file = path.join(dir, 'latin1.c');
    writeFileSync(file, Buffer.from(SOURCE.replace(/[^\x00-\xff]/g, '?'), 'latin1'));
    expect(built(task(file, ['other', 'wanted'])).map((f) => f.name)).toEqual(['other', 'wanted']);
  });

  it('a wanted macro is expanded as a function of its own', () => {
    const file = path.join(dir, 'macro.c');
    writeFileSync(file, SOURCE, 'utf8');
    expect(built(task(file, ['relax']))).toEqual([{ name: 'relax', line: 12, calls: ['cpu_relax_for'] }]);
  });

  it('without a list, every definition is built', () => {
    const file = path.join(dir, 'all.c');
    writeFileSync(file, SOURCE, 'utf8');
    expect(built({ ...task(file, []), wanted: null }).map((f) => f.name)).toEqual(['other', 'wanted']);
  });
});
