// Mutations of C source for the fuzz harness (test/fuzz.test.ts): the damage real
// files suffer — cut short, bytes flipped, NULs, invalid UTF-8, CRLF line ends,
// lines deleted or duplicated, braces and #if blocks left unbalanced. All of it
// from a seeded generator, so that a failing mutant can be made again.

/** mulberry32: small, fast, and the same sequence for a seed everywhere. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = (bytes: Buffer, rand: () => number) => Buffer;

const at = (bytes: Buffer, rand: () => number): number => Math.floor(rand() * Math.max(1, bytes.length));

function insert(bytes: Buffer, offset: number, what: Buffer): Buffer {
  return Buffer.concat([bytes.subarray(0, offset), what, bytes.subarray(offset)]);
}

/** Byte offsets where lines start. */
function lineStarts(bytes: Buffer): number[] {
  const starts = [0];
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
  return starts;
}

function pickLine(bytes: Buffer, rand: () => number): [number, number] {
  const starts = lineStarts(bytes);
  const k = Math.floor(rand() * starts.length);
  return [starts[k]!, k + 1 < starts.length ? starts[k + 1]! : bytes.length];
}

export const MUTATIONS: Record<string, Mutation> = {
  truncate: (b, r) => b.subarray(0, at(b, r)),
  'flip-byte': (b, r) => { const c = Buffer.from(b); if (c.length) c[at(c, r)]! ^= 1 << Math.floor(r() * 8); return c; },
  nul: (b, r) => insert(b, at(b, r), Buffer.from([0])),
  'invalid-utf8': (b, r) => insert(b, at(b, r), Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82])),
  crlf: (b) => Buffer.from(b.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'),
  'delete-line': (b, r) => { const [s, e] = pickLine(b, r); return Buffer.concat([b.subarray(0, s), b.subarray(e)]); },
  'duplicate-line': (b, r) => { const [s, e] = pickLine(b, r); return insert(b, e, b.subarray(s, e)); },
  'open-brace': (b, r) => insert(b, pickLine(b, r)[0], Buffer.from('{\n')),
  'close-brace': (b, r) => insert(b, pickLine(b, r)[0], Buffer.from('}\n')),
  'open-if': (b, r) => insert(b, pickLine(b, r)[0], Buffer.from('#ifdef CONFIG_FUZZ\n')),
  'close-if': (b, r) => insert(b, pickLine(b, r)[0], Buffer.from('#endif\n')),
  'else-arm': (b, r) => insert(b, pickLine(b, r)[0], Buffer.from('#else\n')),
};

const NAMES = Object.keys(MUTATIONS).sort();

/** One to three mutations of `bytes`, and their names. */
export function mutate(bytes: Buffer, rand: () => number): { bytes: Buffer; applied: string[] } {
  let out = bytes;
  const applied: string[] = [];
  const count = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < count; i++) {
    const name = NAMES[Math.floor(rand() * NAMES.length)]!;
    out = MUTATIONS[name]!(out, rand);
    applied.push(name);
  }
  return { bytes: out, applied };
}
