// `eqscheck patch FILE|- [--tree DIR]`: what a patch introduces and fixes. The
// patch is read and checked, applied with `git apply` to a scratch tree in a
// temporary directory (the user's tree, its index and its .git are never
// written), and the scope it can affect is analysed in the tree as it is and in
// the scratch tree.
import { lstatSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AnalyzeOptions } from '../run/types.js';
import { InputError } from '../parser/source.js';
import { kernelRootOf } from '../kernel/paths.js';
import type { ComparisonReport } from '../report/comparison.js';
import { defaultReadText } from '../report/fingerprint.js';
import { applyPatch } from './apply.js';
import { analyseSide, compareSides, refuseUnanalysed, type Compared } from './compare.js';
import { parsePatch, readPatch, touchedPaths } from './patch-file.js';
import { scopeOf } from './scope.js';
import { ScratchTree } from './scratch.js';
import { withTempSpace } from './temp.js';

export interface SourceReaders {
  /** Text of the new version, by the path the findings show. */
  readText: (file: string) => string | undefined;
  /** Text of the old version. */
  readBaselineText: (file: string) => string | undefined;
}

export interface ModeOptions<Output = string> {
  analyze: AnalyzeOptions;
  /** Analyse the tree's whole default scope, whatever the change touches. */
  wholeScope?: boolean;
  /** Formats the report while both versions still exist (SARIF reads their lines). */
  render: (report: ComparisonReport, sources: SourceReaders) => Output;
}

export interface ModeResult<Output = string> {
  report: ComparisonReport;
  output: Output;
  /** Both sides' own results (their paths name the versions, which no longer exist). */
  compared: Compared;
}

export function treeRoot(dir: string): string {
  const root = path.resolve(dir);
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new InputError(dir, 'no such directory (the tree to check the patch against)');
  }
  if (!st.isDirectory()) throw new InputError(dir, 'not a directory (the tree to check the patch against)');
  return root;
}

/** The first directory on the way to `rel` that is a symbolic link in the tree
 *  (git apply does not write beyond one; neither does the scratch tree). */
function linkOnTheWay(root: string, rel: string): string | null {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join('/');
    try {
      if (lstatSync(path.join(root, ...parts.slice(0, i))).isSymbolicLink()) return dir;
    } catch {
      return null;
    }
  }
  return null;
}

/** The tree a patch applies to: `--tree`, or else the kernel tree the current
 *  directory is in (or the current directory). A directory inside a kernel tree
 *  is not a tree of its own: its files' headers are found from the kernel root,
 *  which the scratch copy would not have. */
export function patchTree(dir: string | undefined): string {
  const root = treeRoot(dir ?? '.');
  const kernel = kernelRootOf(path.join(root, 'file'));
  if (!kernel || kernel === root) return root;
  if (dir === undefined) return kernel;
  throw new InputError(dir, `is inside the kernel tree ${kernel}: give that as --tree (the patch's paths are relative to it)`);
}

/** A path the patch `name` touches beyond a symbolic link of the tree is refused, as git apply refuses it. */
export function refuseBeyondLinks(root: string, name: string, touched: readonly string[]): void {
  for (const rel of touched) {
    const link = linkOnTheWay(root, rel);
    if (link) throw new InputError(name, `patch does not apply: ${rel} is beyond a symbolic link of the tree (${link})`);
  }
}

export async function runPatchMode<Output>(patchSource: string, treeDir: string | undefined, options: ModeOptions<Output>): Promise<ModeResult<Output>> {
  const root = patchTree(treeDir);
  const { name, bytes } = await readPatch(patchSource, options.analyze.maxFileSize);
  const patch = parsePatch(name, bytes);
  const touched = touchedPaths(patch);
  refuseBeyondLinks(root, name, touched);
  return withTempSpace(async (space) => {
    const scratch = new ScratchTree(root, space.path('tree'));
    const scope = scopeOf(touched, [root], { whole: options.wholeScope });
    for (const dir of scope.dirs) scratch.copyDir(dir);
    for (const rel of touched) scratch.putFile(rel, { kind: 'copy' });
    const patchFile = space.path('input.patch');
    writeFileSync(patchFile, bytes);
    await applyPatch(patch, patchFile, scratch.root);

    const before = await analyseSide(root, scope.dirs, options.analyze);
    const after = await analyseSide(scratch.root, scope.dirs, options.analyze, root);
    refuseUnanalysed(name, touched, [before, after]);
    const compared = compareSides(before, after, root);
    const report: ComparisonReport = {
      mode: 'patch', from: 'the tree', to: 'the patched tree', root, touched, scope: scope.dirs.map((d) => d || '.'),
      introduced: compared.introduced, fixed: compared.fixed, before: compared.beforeShown, after: compared.afterShown,
    };
    const output = options.render(report, {
      readText: (file) => defaultReadText(compared.sidePath('after', file)),
      readBaselineText: (file) => defaultReadText(compared.sidePath('before', file)),
    });
    return { report, output, compared };
  });
}
