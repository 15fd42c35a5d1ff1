// Where an entry fact comes from, in a form a run can check against the tree it
// is applied to (`why` says it for people). Paths are relative to the kernel
// tree's root:
//
//   "cites": {
//     "definedIn": ["arch/powerpc/kvm/book3s_pr.c"],
//     "files": [{ "path": "arch/powerpc/kvm/book3s_interrupts.S", "shows": ["bl FUNC(kvmppc_handle_exit_pr)"] }]
//   }
//
// definedIn: the files one of which defines the function (the C the fact is
// about); files: the assembly (or the headers its macros live in) that enters
// it, each holding every text in `shows` (spacing aside); one of them names the
// function.
import { ModelError } from './model.js';

export interface CitedFile {
  path: string;
  shows: string[];
}

export interface EntryCitation {
  definedIn: string[];
  files: CitedFile[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function relativePath(v: unknown, where: string): string {
  if (typeof v !== 'string' || !v.trim()) throw new ModelError(`${where}: expected a path relative to the kernel tree's root`);
  if (v.startsWith('/') || v.split('/').includes('..')) throw new ModelError(`${where}: '${v}' is not a path inside the tree`);
  return v;
}

function nonEmptyList(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v) || !v.length) throw new ModelError(`${where}: expected a non-empty list`);
  return v;
}

/** The `cites` field of entry fact `name`, validated. */
export function parseCitation(value: unknown, name: string, where: string): EntryCitation {
  if (!isObject(value)) throw new ModelError(`${where}: expected an object with definedIn and files`);
  for (const key of Object.keys(value)) {
    if (key !== 'definedIn' && key !== 'files') throw new ModelError(`${where}: unknown field '${key}' (expected definedIn, files)`);
  }
  const definedIn = nonEmptyList(value.definedIn, `${where}.definedIn`).map((p, i) => relativePath(p, `${where}.definedIn[${i}]`));
  const files = nonEmptyList(value.files, `${where}.files`).map((f, i): CitedFile => {
    const at = `${where}.files[${i}]`;
    if (!isObject(f)) throw new ModelError(`${at}: expected an object with path and shows`);
    for (const key of Object.keys(f)) {
      if (key !== 'path' && key !== 'shows') throw new ModelError(`${at}: unknown field '${key}' (expected path, shows)`);
    }
    const shows = nonEmptyList(f.shows, `${at}.shows`).map((s, j) => {
      if (typeof s !== 'string' || !s.trim()) throw new ModelError(`${at}.shows[${j}]: expected a non-empty text`);
      return s;
    });
    return { path: relativePath(f.path, `${at}.path`), shows };
  });
  if (!files.some((f) => f.shows.some((s) => s.split(/\W+/).includes(name)))) {
    throw new ModelError(`${where}.files: no text in 'shows' names ${name} (the call that enters it)`);
  }
  return { definedIn, files };
}
