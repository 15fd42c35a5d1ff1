// Whether a path lies inside a directory: by its spelling, and by where it
// really is once symbolic links are resolved. A header of the tree that is a
// link to ~/.ssh/id_rsa (a patch can add one) is spelled inside the tree and
// lies outside it: it is not read.
import { realpathSync } from 'node:fs';
import path from 'node:path';

/** Whether `file` (absolute) is `dir` or below it, by its spelling (a scratch
 *  tree's links into the user's tree stay inside the scratch tree). */
export function isWithin(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel));
}

/** `file` with every symbolic link on its way resolved, or null when it does not resolve. */
export function realPathOf(file: string): string | null {
  try {
    return realpathSync.native(file);
  } catch {
    return null;
  }
}

/** Directories by their real paths: where a file really lies, compared with them. */
export class RealBounds {
  private readonly dirs: string[];

  /** @param dirs the directories (those that do not resolve bound nothing) */
  constructor(dirs: readonly string[]) {
    this.dirs = dirs.map(realPathOf).filter((d): d is string => d !== null);
  }

  /** Where `file` really is when that is outside every directory (null: it is
   *  inside one, or it does not resolve, so that nothing would be read). */
  leadsOutside(file: string): string | null {
    const real = realPathOf(file);
    return real === null || this.dirs.some((d) => isWithin(real, d)) ? null : real;
  }
}
