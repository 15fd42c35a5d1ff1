// The headers a file includes, found in its kernel tree and read without
// parsing: their name indexes (the static inline functions the scanned code
// calls are defined there), their static-call facts, and — for the files that
// are built — their integer constants (`if (ret != RESUME_GUEST)` can only be
// decided when RESUME_GUEST's value is known, and it usually lives in
// arch/<arch>/include/asm/kvm_host.h).
// In a kernel tree, <linux/x.h> is include/linux/x.h (or include/uapi/linux/x.h)
// and <asm/x.h> is arch/<arch>/include/asm/x.h for the file's own arch.
// Includes are followed only inside the tree (the kernel tree, or else the
// directories scanned): `#include "../../../../dev/zero"` in a patch from a
// stranger, or a header of the tree that is a symbolic link to a file outside
// it, is named in the summary, not read.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sha1, type Cache } from '../cache/cache.js';
import { kernelRootOf } from '../kernel/paths.js';
import { readRegularFile } from '../io/read-file.js';
import type { Configuration } from '../kernel/configuration.js';
import { liveArmsOfBytes } from '../parser/live-arms.js';
import { isWithin, RealBounds } from '../io/within.js';
import { InputError } from '../errors.js';
import { displayPath } from './collect.js';
import { readStaticCallFacts, type StaticCallFacts } from './dispatch-facts.js';
import { indexNames, type IncludeDirective, type NameIndex } from './name-index.js';
import { readPredicateCandidates, type PredicateCandidates } from './pure-predicates.js';
import { blankComments } from '../parser/blank.js';

const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+\(?[ \t]*(-?[ \t]*(?:0x[0-9a-fA-F]+|\d+))[uUlL]*[ \t]*\)?[ \t]*(?:\/[*/].*)?$/gm;

const ENUM_BODY = /\benum\b[\s\w]*\{([^{}]*)\}/g;
const ENUMERATOR = /^([A-Za-z_]\w*)(?:\s*=\s*\(?\s*(-?\s*(?:0x[0-9a-fA-F]+|\d+))[uUlL]*\s*\)?)?$/;

/** The integer constants a text defines: `#define N 3`, and the enumerators of
 *  `enum { A, B = 4, C }` (`exit_fastpath != EXIT_FASTPATH_REENTER_GUEST` is
 *  decided by the values). An enumerator whose value is an expression, and
 *  those after it, are not known; an enum with `#if` inside is left alone. */
export function readIntegerConstants(text: string, into: Map<string, number>): void {
  for (const m of text.matchAll(DEFINE)) {
    if (!into.has(m[1]!)) into.set(m[1]!, Number(m[2]!.replace(/[ \t]+/g, '')));
  }
  for (const m of blankComments(text).matchAll(ENUM_BODY)) {
    const body = m[1]!;
    if (/^[ \t]*#/m.test(body)) continue;
    let next = 0;
    for (const item of body.split(',').map((t) => t.trim()).filter(Boolean)) {
      const e = ENUMERATOR.exec(item);
      if (!e) break;
      const value = e[2] !== undefined ? Number(e[2].replace(/\s+/g, '')) : next;
      if (!into.has(e[1]!)) into.set(e[1]!, value);
      next = value + 1;
    }
  }
}

/** What a header defines for the files built against it. */
export interface HeaderDefinitions {
  constants: Map<string, number>;
  predicates: PredicateCandidates;
}

/** An include that names a place outside the tree: not looked at. */
export interface EscapingInclude {
  file: string;
  include: string;
}

/** Header paths a file's #include lines name, resolved where they exist, never
 *  outside `within` (the tree; by default the kernel root, else the file's
 *  directory).
 *  @param escaped told of each include whose every candidate lies outside */
export function resolveIncludes(file: string, includes: readonly IncludeDirective[], root: string | null, arch = archOfPath(file, root),
  exists: (file: string) => boolean = existsSync, within: string = root ?? path.dirname(path.resolve(file)),
  escaped: (e: EscapingInclude) => void = () => {}): string[] {
  const out: string[] = [];
  for (const [kind, name] of includes) {
    const candidates = kind === '"' ? [path.resolve(path.dirname(file), name)] : [];
    if (root) {
      candidates.push(path.join(root, 'include', name), path.join(root, 'include', 'uapi', name));
      if (arch) candidates.push(path.join(root, 'arch', arch, 'include', name), path.join(root, 'arch', arch, 'include', 'uapi', name));
    }
    const inside = candidates.filter((c) => isWithin(c, within));
    if (candidates.length && !inside.length) escaped({ file: displayPath(file), include: kind === '"' ? `"${name}"` : `<${name}>` });
    const found = inside.find(exists);
    if (found) out.push(found);
  }
  return out;
}

/** Where headers are read from, and how much of each (see IncludedHeaders). */
export interface IncludeBounds {
  maxBytes?: number;
  roots?: readonly string[];
  linkedTrees?: readonly string[];
  /** Headers are read as it compiles them (parser/live-arms), and their facts kept under it. */
  configuration?: Configuration;
}

/** How deep #include chains are followed (<linux/kvm_host.h> -> <asm/kvm_host.h> is 2). */
const MAX_INCLUDE_DEPTH = 3;

/** The headers `file` includes, transitively up to a small depth, nearest first.
 *  Header indexes and include resolution are cached: the files of one arch
 *  include mostly the same headers. */
export class IncludedHeaders {
  /** @param onHeader sees each header outside `scanned` once, when it is first read
   *  @param scanned the scan's own files' indexes by absolute path: not read again
   *  @param cache where what is read from a header is kept between runs
   *  @param bounds the size cap headers are read under, the directories
   *         includes stay in outside a kernel tree (absolute; default: the
   *         including file's directory), and the trees the scanned tree links
   *         into (a scratch tree's original: a header reached through such a
   *         link is inside) */
  constructor(private readonly onHeader: (header: HeaderFacts) => void = () => {},
    private readonly cache: Cache | null = null, private readonly scanned: ReadonlyMap<string, NameIndex> = new Map(),
    private readonly bounds: IncludeBounds = {}) {
    this.roots = (bounds.roots ?? []).map((r) => path.resolve(r)).sort((a, b) => a.length - b.length);
  }

  /** The scanned directories, widest first. */
  private readonly roots: string[];

  private get configurationKey(): string {
    return this.bounds.configuration?.hash ?? '';
  }

  /** Headers that could not be read, and includes that lead out of the tree. */
  private readonly notRead = new Map<string, string>();

  /** What was not read, as skipped files (sorted: the same whatever the order of reading). */
  skipped(): { file: string; reason: string; include?: string }[] {
    return [...this.notRead].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, reason]) => {
      const [file, include] = key.split('\0') as [string, string];
      return include ? { file, reason, include } : { file, reason };
    });
  }

  /** The directory includes of `file` must stay in: its kernel tree, else the
   *  widest scanned directory it is in (else its own directory). */
  private treeOf(file: string, root: string | null): string {
    if (root) return root;
    const abs = path.resolve(file);
    return this.roots.find((r) => isWithin(abs, r)) ?? path.dirname(abs);
  }

  private resolve(file: string, includes: readonly IncludeDirective[], root: string | null, arch: string | undefined): string[] {
    const tree = this.treeOf(file, root);
    return resolveIncludes(file, includes, root, arch, this.exists, tree, (e) => {
      this.notRead.set(`${e.file}\0${e.include}`, 'leads outside the tree: not followed');
    }).filter((header) => this.reallyInside(header, tree));
  }

  /** Each tree's bounds by real path, and what a header found in it was decided. */
  private readonly realBounds = new Map<string, RealBounds>();
  private readonly inside = new Map<string, boolean>();
  private readonly linksOut = new Map<string, string>();

  /** Headers not read because they lead out of the tree, with where they lead
   *  (a result that depended on that is stale once a link changes). */
  linksOutOfTree(): [string, string][] {
    return [...this.linksOut];
  }

  /** Whether a header spelled inside `tree` also lies there once links are
   *  resolved (the scan's own files are: walking does not follow links, and a
   *  file the user named is theirs to name). */
  private reallyInside(header: string, tree: string): boolean {
    if (this.scanned.has(header)) return true;
    const key = `${tree}\0${header}`;
    let known = this.inside.get(key);
    if (known === undefined) {
      let bounds = this.realBounds.get(tree);
      if (!bounds) { bounds = new RealBounds([tree, ...(this.bounds.linkedTrees ?? [])]); this.realBounds.set(tree, bounds); }
      const real = bounds.leadsOutside(header);
      if (real !== null) {
        this.notRead.set(`${displayPath(header)}\0`, `header not read: a symbolic link to ${real}, outside the tree`);
        this.linksOut.set(header, real);
      }
      known = real === null;
      this.inside.set(key, known);
    }
    return known;
  }

  private readonly headers = new Map<string, HeaderFacts>();
  private readonly definitionsRead = new Map<string, HeaderDefinitions>();
  /** A header's resolved includes, per arch (<asm/…> means the including file's arch). */
  private readonly includes = new Map<string, string[]>();

  /** The integer constants and predicate candidates `headers` define, the first definition winning. */
  definitionsOf(headers: readonly string[]): HeaderDefinitions {
    const out: HeaderDefinitions = { constants: new Map(), predicates: new Map() };
    for (const header of headers) {
      const { constants, predicates } = this.definitions(header);
      for (const [k, v] of constants) if (!out.constants.has(k)) out.constants.set(k, v);
      for (const [k, v] of predicates) if (!out.predicates.has(k)) out.predicates.set(k, v);
    }
    return out;
  }

  /** The headers `file` includes, transitively up to a small depth, nearest first. */
  headersOf(file: string, includes: readonly IncludeDirective[]): string[] {
    const root = kernelRootOf(file);
    const arch = archOfPath(file, root);
    const seen = new Set<string>();
    const order: string[] = [];
    let frontier = this.resolve(file, includes, root, arch);
    for (let depth = 0; depth < MAX_INCLUDE_DEPTH && frontier.length; depth++) {
      const next: string[] = [];
      for (const header of frontier) {
        if (seen.has(header)) continue;
        seen.add(header);
        order.push(header);
        next.push(...this.includesOf(header, root, arch));
      }
      frontier = next;
    }
    return order;
  }

  /** Reads every header some file would find with headersOf — the union, found
   *  once per header and arch, in the same layers (a header's nearest depth
   *  decides whether its own includes are followed). */
  readAll(files: readonly { path: string; includes: readonly IncludeDirective[] }[]): void {
    let frontier: [string, string | null, string | undefined][] = [];
    for (const f of files) {
      const root = kernelRootOf(f.path);
      const arch = archOfPath(f.path, root);
      for (const h of this.resolve(f.path, f.includes, root, arch)) frontier.push([h, root, arch]);
    }
    const seen = new Set<string>();
    for (let depth = 0; depth < MAX_INCLUDE_DEPTH && frontier.length; depth++) {
      const next: typeof frontier = [];
      for (const [header, root, arch] of frontier) {
        const key = `${header}|${arch ?? ''}`;
        if (seen.has(key)) continue;
        seen.add(key);
        for (const h of this.includesOf(header, root, arch)) next.push([h, root, arch]);
      }
      frontier = next;
    }
  }

  /** A header's resolved includes for files of `arch` (read when first needed). */
  private includesOf(header: string, root: string | null, arch: string | undefined): string[] {
    const key = `${header}|${arch ?? ''}`;
    let included = this.includes.get(key);
    if (!included) { included = this.resolve(header, this.index(header).includes, root, arch); this.includes.set(key, included); }
    return included;
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

  /** Every header read so far (outside the scan). */
  readHeaders(): string[] {
    return [...this.headers.keys()];
  }

  /** A header's name index (see scan/name-index), its path as the run shows it. */
  index(header: string): NameIndex {
    return this.scanned.get(header) ?? this.header(header).index;
  }

  /** The header's integer #defines and predicate candidates (read when first asked for). */
  private definitions(header: string): HeaderDefinitions {
    let definitions = this.definitionsRead.get(header);
    if (!definitions) {
      const hash = this.cache?.fileHash(header) ?? null;
      const key = hash ? sha1('definitions', header, hash, this.configurationKey) : null;
      definitions = (key ? this.cache!.get<HeaderDefinitions>('definitions', key) : undefined) ?? (() => {
        const text = this.readText(header);
        const found: HeaderDefinitions = { constants: new Map(), predicates: new Map() };
        readIntegerConstants(text, found.constants);
        readPredicateCandidates(text, found.predicates);
        if (key) this.cache!.put('definitions', key, found);
        return found;
      })();
      this.definitionsRead.set(header, definitions);
    }
    return definitions;
  }

  /** An unreadable header only costs precision: it is read as empty, and named in the summary. */
  private readBytesOrEmpty(file: string): Uint8Array {
    try {
      return this.bounds.configuration
        ? liveArmsOfBytes(readRegularFile(file, this.bounds.maxBytes), this.bounds.configuration)
        : readRegularFile(file, this.bounds.maxBytes);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      this.notRead.set(`${displayPath(file)}\0`, `header not read: ${err.problem}`);
      return new Uint8Array(0);
    }
  }

  private readText(file: string): string {
    return Buffer.from(this.readBytesOrEmpty(file)).toString('latin1');
  }

  private header(file: string): HeaderFacts {
    let h = this.headers.get(file);
    if (!h) {
      const hash = this.cache?.fileHash(file) ?? null;
      const key = hash ? sha1('header', file, displayPath(file), hash, this.configurationKey) : null;
      h = key ? this.cache!.get<HeaderFacts>('header', key) : undefined;
      if (!h) {
        const bytes = this.readBytesOrEmpty(file);
        h = { path: file, index: indexNames(displayPath(file), bytes), staticCalls: readStaticCallFacts(bytes) };
        if (key) this.cache!.put('header', key, h);
      }
      this.onHeader(h);
      this.headers.set(file, h);
    }
    return h;
  }
}

/** What is read from a header outside the scan (kept in the cache under its content hash). */
export interface HeaderFacts {
  path: string;
  index: NameIndex;
  staticCalls: StaticCallFacts;
}

function archOfPath(file: string, root: string | null): string | undefined {
  if (!root) return undefined;
  return /^arch\/([^/]+)\//.exec(path.relative(root, path.resolve(file)).split(path.sep).join('/'))?.[1];
}
