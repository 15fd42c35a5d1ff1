// The headers a file includes, found in its kernel tree and read without
// parsing: their integer constants (`if (ret != RESUME_GUEST)` can only be decided
// when RESUME_GUEST's value is known, and it usually lives in
// arch/<arch>/include/asm/kvm_host.h), and their texts, where the analysis looks
// for the definitions of static inline functions the scanned code calls.
// In a kernel tree, <linux/x.h> is include/linux/x.h (or include/uapi/linux/x.h)
// and <asm/x.h> is arch/<arch>/include/asm/x.h for the file's own arch.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sha1, type Cache } from '../cache/cache.js';
import { archOf } from '../analysis/program.js';
import { displayPath } from './collect.js';
import { emptyDispatchFacts, readDispatchFacts, type DispatchFacts } from './dispatch-facts.js';
import { indexNames, type NameIndex } from './name-index.js';
import { intern } from './intern.js';

const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+\(?[ \t]*(-?[ \t]*(?:0x[0-9a-fA-F]+|\d+))[uUlL]*[ \t]*\)?[ \t]*(?:\/[*/].*)?$/gm;
const INCLUDE = /^[ \t]*#[ \t]*include[ \t]*([<"])([^>"]+)[>"]/gm;

export function kernelRootOf(file: string): string | null {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    if (existsSync(path.join(dir, 'include', 'linux')) && existsSync(path.join(dir, 'arch'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

export function readDefines(text: string, into: Map<string, number>): void {
  for (const m of text.matchAll(DEFINE)) {
    if (!into.has(m[1]!)) into.set(m[1]!, Number(m[2]!.replace(/[ \t]+/g, '')));
  }
}

/** A file's #include lines: `"` or `<`, and the name. */
export type IncludeDirective = [kind: string, name: string];

export function includeDirectives(text: string): IncludeDirective[] {
  return [...text.matchAll(INCLUDE)].map((m) => [intern(m[1]!), intern(m[2]!)]);
}

/** Header paths a file's #include lines name, resolved where they exist. */
export function resolveIncludes(file: string, text: string | IncludeDirective[], root: string | null, arch = archOfPath(file, root),
  exists: (file: string) => boolean = existsSync): string[] {
  const out: string[] = [];
  for (const [kind, name] of typeof text === 'string' ? includeDirectives(text) : text) {
    const candidates = kind === '"' ? [path.join(path.dirname(file), name)] : [];
    if (root) {
      candidates.push(path.join(root, 'include', name), path.join(root, 'include', 'uapi', name));
      if (arch) candidates.push(path.join(root, 'arch', arch, 'include', name), path.join(root, 'arch', arch, 'include', 'uapi', name));
    }
    const found = candidates.find(exists);
    if (found) out.push(found);
  }
  return out;
}

/** How deep #include chains are followed (<linux/kvm_host.h> -> <asm/kvm_host.h> is 2). */
const MAX_INCLUDE_DEPTH = 3;

/** The headers `file` includes, transitively up to a small depth, nearest first,
 *  with the constants they define. Header texts and include resolution are
 *  cached: the files of one arch include mostly the same headers. */
export class IncludedHeaders {
  /** @param onHeader sees each header's dispatch facts once, when it is first read
   *  @param cache where what is read from a header is kept between runs */
  constructor(private readonly onHeader: (facts: DispatchFacts, header: string) => void = () => {},
    private readonly cache: Cache | null = null) {}

  private readonly headers = new Map<string, HeaderFacts & { text: string | null }>();
  /** A header's resolved includes, per arch (<asm/…> means the including file's arch). */
  private readonly includes = new Map<string, string[]>();
  private readonly roots = new Map<string, string | null>();

  /** The integer constants `headers` define, the first definition winning. */
  constantsOf(headers: readonly string[]): Map<string, number> {
    const constants = new Map<string, number>();
    for (const header of headers) for (const [k, v] of this.header(header).defines) if (!constants.has(k)) constants.set(k, v);
    return constants;
  }

  /** The headers `file` includes, transitively up to a small depth, nearest first.
   *  @param text the file's text, or its #include lines */
  headersOf(file: string, text: string | IncludeDirective[]): string[] {
    const dir = path.dirname(path.resolve(file));
    let root = this.roots.get(dir);
    if (root === undefined) { root = kernelRootOf(file); this.roots.set(dir, root); }
    const arch = archOfPath(file, root);
    const seen = new Set<string>();
    const order: string[] = [];
    let frontier = resolveIncludes(file, text, root, arch, this.exists);
    for (let depth = 0; depth < MAX_INCLUDE_DEPTH && frontier.length; depth++) {
      const next: string[] = [];
      for (const header of frontier) {
        if (seen.has(header)) continue;
        seen.add(header);
        order.push(header);
        const h = this.header(header);
        const key = `${header}|${arch ?? ''}`;
        let included = this.includes.get(key);
        if (!included) { included = resolveIncludes(header, h.includes, root, arch, this.exists); this.includes.set(key, included); }
        next.push(...included);
      }
      frontier = next;
    }
    return order;
  }

  /** Include resolution asks for the same few thousand paths over and over. */
  private readonly existing = new Map<string, boolean>();
  private readonly exists = (file: string): boolean => {
    let known = this.existing.get(file);
    if (known === undefined) { known = existsSync(file); this.existing.set(file, known); }
    return known;
  };

  /** Candidate header paths found missing (a result that depended on their
   *  absence is stale once one appears). */
  missingPaths(): string[] {
    return [...this.existing].filter(([, found]) => !found).map(([file]) => file);
  }

  /** Every header read so far. */
  readHeaders(): string[] {
    return [...this.headers.keys()];
  }

  /** A header's text (read once, when needed). */
  text(header: string): string {
    const h = this.header(header);
    h.text ??= readText(header);
    return h.text;
  }

  /** A header's name index (see scan/name-index), its paths as the run shows them. */
  index(header: string): NameIndex {
    return this.header(header).index;
  }

  /** The header's integer #defines. */
  defines(header: string): Map<string, number> {
    return this.header(header).defines;
  }

  private header(file: string): HeaderFacts & { text: string | null } {
    let h = this.headers.get(file);
    if (!h) {
      const hash = this.cache?.fileHash(file) ?? null;
      const key = hash ? sha1('header', file, displayPath(file), hash) : null;
      const cached = key ? this.cache!.get<HeaderFacts>('header', key) : undefined;
      if (cached) {
        h = { ...cached, text: null };
      } else {
        const text = readText(file);
        const facts = emptyDispatchFacts();
        readDispatchFacts(text, archOf(file), facts);
        const defines = new Map<string, number>();
        readDefines(text, defines);
        const derived: HeaderFacts = { defines, includes: includeDirectives(text), facts, index: indexNames(displayPath(file), text) };
        if (key) this.cache!.put('header', key, derived);
        h = { ...derived, text };
      }
      this.onHeader(h.facts, file);
      this.headers.set(file, h);
    }
    return h;
  }
}

/** What is read from a header (kept in the cache under its content hash). */
interface HeaderFacts {
  defines: Map<string, number>;
  includes: IncludeDirective[];
  facts: DispatchFacts;
  index: NameIndex;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return ''; // An unreadable header only costs precision.
  }
}

function archOfPath(file: string, root: string | null): string | undefined {
  if (!root) return undefined;
  return /^arch\/([^/]+)\//.exec(path.relative(root, path.resolve(file)).split(path.sep).join('/'))?.[1];
}
