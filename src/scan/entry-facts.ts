// Entry facts checked against the tree they are applied to. A fact says how
// assembly enters a C function; one that cites its sources (model/entry-citation)
// is applied only where the scanned tree shows them: the function defined in one
// of the C files it names, the cited assembly present and holding the cited
// instructions. The shipped facts (models/kernel-entry-facts.json) are loaded by
// default and all cite; a fact that does not hold is not applied, and the run
// says why. A shipped fact whose files the scan does not reach is simply not
// about this scan; a user's fact is reported then too (it was asked for).
import { existsSync } from 'node:fs';
import { readRegularFile } from '../io/read-file.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EntryCitation } from '../model/entry-citation.js';
import { readUserModel, type EntryFact, type UserModel } from '../model/user-model.js';
import { displayPath } from './collect.js';
import { indexNames } from './name-index.js';

export const BUILTIN_FACTS_FILE = fileURLToPath(new URL('../../models/kernel-entry-facts.json', import.meta.url));
/** How reports name it, wherever eqscheck is installed. */
const BUILTIN_SOURCE = 'built-in models/kernel-entry-facts.json';

export interface FactNotApplied {
  /** The function the fact is about. */
  name: string;
  /** The model file it comes from. */
  source: string;
  reason: string;
}

export interface CheckedFacts {
  facts: Map<string, EntryFact>;
  notApplied: FactNotApplied[];
}

/** The shipped entry facts that hold in the scanned files' tree. */
export function builtinEntryFacts(files: readonly string[]): CheckedFacts {
  return checkEntryFacts(readUserModel(BUILTIN_FACTS_FILE), files, { builtin: true });
}

/** A model's entry facts that hold in the scanned files' tree. Built-in facts
 *  must cite; a user's fact without a citation is applied as written. */
export function checkEntryFacts(model: UserModel, files: readonly string[], options: { builtin: boolean }): CheckedFacts {
  const source = options.builtin ? BUILTIN_SOURCE : displayPath(model.generation.name);
  const scanned = new Set(files.map((f) => path.resolve(f)));
  const facts = new Map<string, EntryFact>();
  const notApplied: FactNotApplied[] = [];
  for (const [name, fact] of model.entries) {
    if (!fact.cites) {
      if (options.builtin) notApplied.push({ name, source, reason: 'it cites nothing to check it against' });
      else facts.set(name, fact);
      continue;
    }
    const roots = rootsInScope(fact.cites, scanned);
    // Facts go by name: one tree of several that does not show it keeps it out of all.
    const inTree = (root: string) => (problem: string) => (roots.length > 1 ? `in ${displayPath(root)}: ${problem}` : problem);
    const problems = roots.length ? roots.flatMap((root) => citationProblems(name, fact.cites!, root, scanned).map(inTree(root))) :
      options.builtin ? null : [`the scan holds none of the files it names (${fact.cites.definedIn.join(', ')})`];
    if (problems === null) continue;
    if (problems.length) notApplied.push({ name, source, reason: problems.join('; ') });
    else facts.set(name, fact);
  }
  return { facts, notApplied };
}

/** Kernel tree roots where the scan reaches the directory of a file the fact
 *  says defines the function (where the definition belongs). */
function rootsInScope(cites: EntryCitation, scanned: ReadonlySet<string>): string[] {
  const roots = new Set<string>();
  for (const defined of cites.definedIn) {
    const dir = `${path.sep}${path.dirname(defined).split('/').join(path.sep)}`;
    for (const file of scanned) {
      const fileDir = path.dirname(file);
      if (fileDir.endsWith(dir)) roots.add(fileDir.slice(0, -dir.length) || path.sep);
    }
  }
  return [...roots].sort();
}

/** What the tree at `root` does not show of the citation (nothing: it holds). */
function citationProblems(name: string, cites: EntryCitation, root: string, scanned: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const candidates = cites.definedIn.filter((d) => scanned.has(path.join(root, d)));
  if (!candidates.length) {
    problems.push(`${cites.definedIn.join(' or ')} ${cites.definedIn.length > 1 ? 'are' : 'is'} not among the scanned files`);
  } else if (!candidates.some((d) => defines(path.join(root, d), name))) {
    problems.push(`${candidates.join(' or ')} does not define ${name}()`);
  }
  for (const cited of cites.files) {
    const text = readText(path.join(root, cited.path));
    if (text === null) { problems.push(`${cited.path} is not in the tree`); continue; }
    const flat = squeeze(text);
    for (const shown of cited.shows) if (!flat.includes(squeeze(shown))) problems.push(`${cited.path} does not show '${shown}'`);
  }
  return problems;
}

function defines(file: string, name: string): boolean {
  const text = readText(file);
  return text !== null && indexNames(file, text).functions.some((f) => f.name === name && !f.macro);
}

function readText(file: string): string | null {
  try {
    return existsSync(file) ? readRegularFile(file).toString('latin1') : null;
  } catch {
    return null;
  }
}

/** Spacing aside: runs of blanks are one space. */
function squeeze(text: string): string {
  return text.replace(/\s+/g, ' ');
}
