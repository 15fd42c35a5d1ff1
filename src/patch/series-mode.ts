// `eqscheck patch --each FILE|-`: what every patch of a series introduces and
// fixes on top of the patches before it. The series is applied first, patch
// after patch, in one scratch tree, keeping what each leaves at the paths it
// touches: a patch that does not apply is refused, named, before anything is
// analysed. Then each state of the tree (the tree, after patch 1, …, after patch
// n) is analysed once, as the 'after' of one patch and the 'before' of the next:
// a scratch tree of its own (in-process memos are keyed by path), made from the
// tree and the kept files, and removed once the next state is compared with it.
// Every state is analysed over the same directories, the scope of all the series
// touches, so that each patch's two sides agree and cover what it touches.
import { lstatSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { decodeSource } from '../parser/source.js';
import { defaultReadText } from '../report/fingerprint.js';
import { describePatch, type SeriesReport, type SeriesStep, type StateText } from '../report/series.js';
import { applyPatch } from './apply.js';
import { analyseSide, compareSides, refuseUnanalysed, type SideResult } from './compare.js';
import { parsePatch, readPatch, touchedPaths } from './patch-file.js';
import { patchTree, refuseBeyondLinks, type ModeOptions } from './patch-mode.js';
import { scopeOf, type Scope } from './scope.js';
import { ScratchTree, type Content } from './scratch.js';
import { splitSeries, type SeriesPatch } from './series.js';
import { TempSpace, withTempSpace } from './temp.js';

export interface SeriesModeOptions extends Omit<ModeOptions, 'render'> {
  /** Formats the report; `textOf` reads each state's source (the scratch trees are gone by then). */
  render: (report: SeriesReport, textOf: StateText) => string;
}

export interface SeriesResult {
  report: SeriesReport;
  output: string;
}

/** The files of one state of the tree that differ from the tree, by tree-relative path. */
type StateFiles = ReadonlyMap<string, Content>;

/** An input error met with one patch of the series, naming the patch (its own names only the input). */
function ofPatch(err: unknown, name: string, p: SeriesPatch, count: number): unknown {
  return err instanceof InputError ? new InputError(name, `${describePatch(p.index, count, p.subject)}: ${err.problem}`) : err;
}

/** What an entry of the scratch tree is, to be put in another. */
function contentAt(file: string): Content {
  let st;
  try {
    st = lstatSync(file);
  } catch {
    return { kind: 'absent' };
  }
  if (st.isSymbolicLink()) return { kind: 'symlink', target: readlinkSync(file) };
  return st.isFile() ? { kind: 'data', data: readFileSync(file) } : { kind: 'absent' };
}

/** Applies the patches in order; per state after the tree (1..n), its files that differ from the tree. */
async function applySeries(root: string, name: string, series: readonly SeriesPatch[], touched: readonly string[]): Promise<StateFiles[]> {
  return withTempSpace(async (space) => {
    const scratch = new ScratchTree(root, space.path('tree'));
    for (const rel of touched) scratch.putFile(rel, { kind: 'copy' });
    const states: StateFiles[] = [];
    let files = new Map<string, Content>();
    for (const p of series) {
      const patchFile = space.path(`${p.index}.patch`);
      writeFileSync(patchFile, p.patch.bytes);
      await applyPatch(p.patch, patchFile, scratch.root).catch((err: unknown) => { throw ofPatch(err, name, p, series.length); });
      files = new Map(files);
      for (const rel of touchedPaths(p.patch)) files.set(rel, contentAt(scratch.at(rel)));
      states.push(files);
    }
    return states;
  });
}

/** One state of the tree as a scratch tree in `space`: the scope's directories and every touched path. */
function stateTree(root: string, space: TempSpace, scope: Scope, touched: readonly string[], files: StateFiles): string {
  const scratch = new ScratchTree(root, space.path('tree'));
  for (const dir of scope.dirs) scratch.copyDir(dir);
  for (const rel of touched) scratch.putFile(rel, files.get(rel) ?? { kind: 'copy' });
  return scratch.root;
}

/** Source text of each state, by the path the findings name (the tree's own for a file no patch so far touched). */
function stateReaders(root: string, states: readonly StateFiles[]): StateText {
  const readers = states.map((files) => (file: string): string | undefined => {
    const rel = path.relative(root, path.resolve(file)).split(path.sep).join('/');
    const content = files.get(rel);
    if (!content) return defaultReadText(file);
    return content.kind === 'data' ? decodeSource(file, content.data).text : undefined;
  });
  return (state) => readers[state]!;
}

const stateName = (k: number) => (k === 0 ? 'the tree' : `the tree after patch ${k}`);

export async function runSeriesMode(patchSource: string, treeDir: string | undefined, options: SeriesModeOptions): Promise<SeriesResult> {
  const root = patchTree(treeDir);
  const { name, bytes } = await readPatch(patchSource, options.analyze.maxFileSize);
  const whole = parsePatch(name, bytes);
  const series = splitSeries(whole);
  // What the patches touch (not what a reply of the thread suggests).
  const touched = [...new Set(series.flatMap((p) => touchedPaths(p.patch)))].sort();
  refuseBeyondLinks(root, name, touched);
  const scope = scopeOf(touched, [root], { whole: options.wholeScope });
  const states: StateFiles[] = [new Map(), ...await applySeries(root, name, series, touched)];

  const steps: SeriesStep[] = [];
  let before: SideResult = await analyseSide(root, scope.dirs, options.analyze);
  // The scratch trees alive: the state compared last (the next patch's 'before') and the one being made.
  const live: TempSpace[] = [];
  try {
    for (const p of series) {
      const space = new TempSpace();
      live.push(space);
      const after = await analyseSide(stateTree(root, space, scope, touched, states[p.index]!), scope.dirs, options.analyze, root);
      const patchTouched = touchedPaths(p.patch);
      try {
        refuseUnanalysed(name, patchTouched, [before, after]);
      } catch (err) {
        throw ofPatch(err, name, p, series.length);
      }
      const compared = compareSides(before, after, root);
      steps.push({
        index: p.index, subject: p.subject,
        report: {
          mode: 'patch', from: stateName(p.index - 1), to: stateName(p.index), root, touched: patchTouched, scope: scope.dirs.map((d) => d || '.'),
          introduced: compared.introduced, fixed: compared.fixed, before: compared.beforeShown, after: compared.afterShown,
        },
      });
      if (live.length > 1) live.shift()!.dispose();
      before = after;
    }
  } finally {
    for (const space of live) space.dispose();
  }
  const report: SeriesReport = { root, touched, scope: scope.dirs.map((d) => d || '.'), steps };
  return { report, output: options.render(report, stateReaders(root, states)) };
}
