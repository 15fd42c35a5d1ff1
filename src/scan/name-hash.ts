// Names as numbers: the name index keeps what a file's functions mention as
// 32-bit hashes of the identifiers (FNV-1a over their bytes), not as strings —
// a whole kernel tree mentions ~30 million names, which as strings would not fit
// in memory nor be made fast enough. A collision can only make a function seem
// to mention a name it does not (the pre-filter then keeps more than it needs),
// never hide a mention.

export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** The hash of an identifier (ASCII: C identifiers are). */
export function nameHash(name: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/** Distinct hashes (in no particular order). */
export type NameSet = Uint32Array;

export const EMPTY_NAMES: NameSet = new Uint32Array(0);

export function hasHash(set: NameSet, hash: number): boolean {
  return set.indexOf(hash) >= 0;
}

export function hasName(set: NameSet, name: string): boolean {
  return hasHash(set, nameHash(name));
}

/** A set of hashes being collected: duplicates are dropped as they come (a
 *  table stamped with the collection it belongs to, so starting over costs
 *  nothing), and taking it gives the distinct hashes in first-seen order. */
export class HashCollector {
  private slots = new Uint32Array(1 << 12);
  private stamps = new Uint32Array(1 << 12);
  private stamp = 1;
  private list = new Uint32Array(256);
  length = 0;

  add(hash: number): void {
    const mask = this.slots.length - 1;
    let i = (hash ^ (hash >>> 15)) & mask;
    while (this.stamps[i] === this.stamp) {
      if (this.slots[i] === hash) return;
      i = (i + 1) & mask;
    }
    this.stamps[i] = this.stamp;
    this.slots[i] = hash;
    if (this.length === this.list.length) {
      const grown = new Uint32Array(this.list.length * 2);
      grown.set(this.list);
      this.list = grown;
    }
    this.list[this.length++] = hash;
    if (this.length * 2 > this.slots.length) this.grow();
  }

  /** The distinct hashes added since the last take. */
  take(): NameSet {
    const set = this.length ? this.list.slice(0, this.length) : EMPTY_NAMES;
    this.clear();
    return set;
  }

  clear(): void {
    this.length = 0;
    if (++this.stamp === 0xffffffff) { this.stamps.fill(0); this.stamp = 1; }
  }

  private grow(): void {
    const kept = this.list.slice(0, this.length);
    const size = this.slots.length * 2;
    this.slots = new Uint32Array(size);
    this.stamps = new Uint32Array(size);
    this.stamp = 1;
    this.length = 0;
    for (const h of kept) this.add(h);
  }
}
