// The fixture units, as the fixture and golden tests see them: each file of
// fixtures/cases/*.c, each directory of fixtures/cases, and fixtures/examples,
// scanned exactly as `eqscheck scan <unit>` scans it (a directory holding a
// kernel tree's root is its KVM scope), with the options its
// `/* eqscheck-args: ... */` comment names.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { collectFiles } from '../../src/scan/collect.js';

export const REPO_DIR = path.join(__dirname, '..', '..');
export const FIXTURES_DIR = path.join(REPO_DIR, 'fixtures');

export interface FixtureUnit {
  /** Relative to fixtures/: `cases/foo.c`, `cases/dir--bar`, `examples`. */
  name: string;
  /** Absolute path of the file or directory scanned. */
  dir: string;
  /** What `eqscheck scan` reads for the unit (paths as the CLI shows them). */
  files: string[];
  /** `-D NAME` of eqscheck-args. */
  defines: string[];
  /** `--model FILE` of eqscheck-args, absolute (the comment names them relative to its file). */
  models: string[];
}

/** Every unit, sorted by name. */
export function fixtureUnits(): FixtureUnit[] {
  const cases = path.join(FIXTURES_DIR, 'cases');
  const paths = readdirSync(cases).sort().map((e) => path.join(cases, e))
    .filter((p) => statSync(p).isDirectory() || p.endsWith('.c'));
  return [...paths, path.join(FIXTURES_DIR, 'examples')].map(unitAt);
}

function unitAt(dir: string): FixtureUnit {
  const { files } = collectFiles([dir]);
  const defines: string[] = [];
  const models: string[] = [];
  for (const file of files) {
    const args = /\/\*\s*eqscheck-args:([^*]*)\*\//.exec(readFileSync(file, 'utf8'))?.[1];
    if (!args) continue;
    const words = args.trim().split(/\s+/);
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      if (word === '-D' || word === '--model') {
        const value = words[++i];
        if (!value) throw new Error(`${file}: eqscheck-args: ${word} wants a value`);
        if (word === '-D') defines.push(value);
        else models.push(path.resolve(path.dirname(file), value));
      } else if (/^-D\w+$/.test(word)) {
        defines.push(word.slice(2));
      } else {
        throw new Error(`${file}: eqscheck-args: '${word}' is not an option the fixture tests pass on (-D NAME, --model FILE)`);
      }
    }
  }
  return { name: path.relative(FIXTURES_DIR, dir), dir, files, defines, models };
}

/** The command line, relative to the repository root, that prints the unit's report. */
export function scanArgs(unit: FixtureUnit): string[] {
  return [
    'scan', path.relative(REPO_DIR, unit.dir),
    ...unit.defines.flatMap((d) => ['-D', d]),
    ...unit.models.flatMap((m) => ['--model', path.relative(REPO_DIR, m)]),
  ];
}
