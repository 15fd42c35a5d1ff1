// `eqscheck diff [REV | A..B]` in a git repository: what the working tree
// introduces and fixes since HEAD (or REV), or commit B since commit A. A commit
// is materialised as a scratch tree: the working tree's layout, linked, with
// every tracked path where the commit differs from the working tree written
// from the commit (`git ls-tree` + `git cat-file --batch`), so that nothing but
// a temporary directory is written: no worktree, no checkout, no index. Files
// git does not track are the same on both sides, as `git diff` ignores them.
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { readRegularFile } from '../io/read-file.js';
import path from 'node:path';
import type { ComparisonReport } from '../report/comparison.js';
import { defaultReadText } from '../report/fingerprint.js';
import { InputError } from '../parser/source.js';
import { analyseSide, compareSides, refuseUnanalysed } from './compare.js';
import { git, listTree, readBlobs, runGit, splitZ, type TreeEntry } from './git.js';
import { treeRoot, type ModeOptions, type ModeResult } from './patch-mode.js';
import { scopeOf } from './scope.js';
import { ScratchTree } from './scratch.js';
import { withTempSpace, type TempSpace } from './temp.js';

export interface DiffSpec {
  /** The old version: a revision. */
  from: string;
  /** The new version: a revision, or null for the working tree. */
  to: string | null;
}

/** `REV`, `A..B` (either side may be empty: HEAD), or nothing (HEAD against the working tree). */
export function parseDiffSpec(spec: string | undefined): DiffSpec {
  if (spec === undefined || spec === '') return { from: 'HEAD', to: null };
  if (spec.includes('...')) throw new InputError(spec, 'A...B (changes since the merge base) is not supported: use A..B');
  const dots = spec.indexOf('..');
  if (dots >= 0) return { from: spec.slice(0, dots) || 'HEAD', to: spec.slice(dots + 2) || 'HEAD' };
  return { from: spec, to: null };
}

async function repositoryRoot(dir: string, shown: string): Promise<string> {
  const r = await runGit(['rev-parse', '--show-toplevel'], { cwd: dir });
  const top = r.stdout.toString('utf8').trim();
  if (r.code !== 0 || !top) {
    throw new InputError(shown, 'not a git repository (eqscheck diff compares git revisions; for a patch file use eqscheck patch)');
  }
  // git names the top with symbolic links resolved; keep the spelling of `dir`.
  const below = path.relative(top, realpathSync(dir));
  if (!below) return dir;
  if (below.startsWith('..') || path.isAbsolute(below)) return top;
  return path.resolve(dir, ...below.split(path.sep).map(() => '..'));
}

async function commitOf(repo: string, rev: string): Promise<string> {
  if (rev.startsWith('-') || /[\0\n]/.test(rev)) throw new InputError(rev, 'not a revision');
  const r = await runGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { cwd: repo });
  const oid = r.stdout.toString('utf8').trim();
  if (r.code !== 0 || !oid) throw new InputError(rev, 'unknown revision (not a commit of this repository)');
  return oid;
}

/** Tracked paths where the commit and the working tree differ. `git diff-index`
 *  (which writes nothing) also lists files whose index entry is merely stale, so
 *  its candidates are compared with the commit's blobs. */
async function differsFromWorkTree(repo: string, commit: string, tree?: Map<string, TreeEntry>): Promise<string[]> {
  const candidates = splitZ(await git(['diff-index', '-z', '--name-only', '--no-renames', '--ignore-submodules', commit, '--'], { cwd: repo }));
  if (!candidates.length) return [];
  const entries = tree ?? await listTree(repo, commit);
  const blobs = await readBlobs(repo, candidates.flatMap((p) => {
    const e = entries.get(p);
    return e?.type === 'blob' ? [e.oid] : [];
  }));
  return candidates.filter((p) => {
    const e = entries.get(p);
    if (e?.type !== 'blob') return true;
    const file = path.join(repo, ...p.split('/'));
    try {
      const st = lstatSync(file);
      if (e.mode === '120000') return !st.isSymbolicLink() || readlinkSync(file) !== blobs.get(e.oid)!.toString('utf8');
      return !st.isFile() || !readRegularFile(file, Infinity).equals(blobs.get(e.oid)!);
    } catch {
      return true;
    }
  }).sort();
}

/** The commit as a scratch tree over the working tree (see the file comment). */
async function materialise(space: TempSpace, name: string, repo: string, commit: string, dirs: readonly string[]): Promise<string> {
  const scratch = new ScratchTree(repo, space.path(name));
  for (const dir of dirs) scratch.copyDir(dir);
  const tree = await listTree(repo, commit);
  const paths = await differsFromWorkTree(repo, commit, tree);
  if (paths.length) {
    const blobs = await readBlobs(repo, paths.flatMap((p) => {
      const e = tree.get(p);
      return e && e.type === 'blob' ? [e.oid] : [];
    }));
    for (const p of paths) {
      const e = tree.get(p);
      if (!e || e.type !== 'blob') scratch.putFile(p, { kind: 'absent' });
      else if (e.mode === '120000') scratch.putFile(p, { kind: 'symlink', target: blobs.get(e.oid)!.toString('utf8') });
      else scratch.putFile(p, { kind: 'data', data: blobs.get(e.oid)! });
    }
  }
  return scratch.root;
}

export async function runDiffMode<Output>(spec: string | undefined, dir: string, options: ModeOptions<Output>): Promise<ModeResult<Output>> {
  const cwd = treeRoot(dir);
  const parsed = parseDiffSpec(spec);
  const repo = await repositoryRoot(cwd, dir);
  const from = await commitOf(repo, parsed.from);
  const to = parsed.to === null ? null : await commitOf(repo, parsed.to);
  const touched = to === null ? await differsFromWorkTree(repo, from)
    : splitZ(await git(['diff-tree', '-z', '-r', '--name-only', '--no-renames', '--ignore-submodules', from, to, '--'], { cwd: repo })).sort();
  const scope = scopeOf(touched, [repo], { whole: options.wholeScope });
  return withTempSpace(async (space) => {
    const beforeRoot = scope.dirs.length ? await materialise(space, 'before', repo, from, scope.dirs) : repo;
    const afterRoot = to === null || !scope.dirs.length ? repo : await materialise(space, 'after', repo, to, scope.dirs);
    const before = await analyseSide(beforeRoot, scope.dirs, options.analyze, repo);
    const after = await analyseSide(afterRoot, scope.dirs, options.analyze, repo);
    refuseUnanalysed(spec ?? 'HEAD', touched, [before, after]);
    const compared = compareSides(before, after, repo);
    const report: ComparisonReport = {
      mode: 'diff', from: parsed.from, to: parsed.to ?? 'the working tree', root: repo, touched, scope: scope.dirs.map((d) => d || '.'),
      introduced: compared.introduced, fixed: compared.fixed, before: compared.beforeShown, after: compared.afterShown,
    };
    const output = options.render(report, {
      readText: (file) => defaultReadText(compared.sidePath('after', file)),
      readBaselineText: (file) => defaultReadText(compared.sidePath('before', file)),
    });
    return { report, output, compared };
  });
}
