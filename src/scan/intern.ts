// Names read from files' texts, held as strings of their own and shared between
// files: a slice of a file's text keeps the whole text alive for as long as the
// slice lives, and what a scan keeps of every file (its name index, its includes,
// its dispatch facts) would otherwise hold every file of a whole tree.
const interned = new Map<string, string>();

export function intern(name: string): string {
  let known = interned.get(name);
  if (known === undefined) {
    known = (' ' + name).slice(1);
    interned.set(known, known);
  }
  return known;
}
