// Whether a call to a definition of the scanned code runs code the compiler may
// have instrumented (the noinstr sense: ftrace, KASAN, KCSAN, KCOV, KMSAN, gcov):
// from what its declaration says (noinstr, __cpuidle, __always_inline, static
// inline, notrace) and from the kbuild files of the tree it is in (objects built
// without a kind). What is inlined is part of its caller: its calls are the
// caller's. Precision: a kind the kbuild files leave to the configuration
// ("depends") is not counted, and neither is what the name index cannot read
// (__no_kcsan and friends remove one kind each, and never all of them).
import path from 'node:path';
import { readRegularFile } from '../io/read-file.js';
import { INSTRUMENTATION_OPTIONS, KERNEL_API_OPTIONS, NOINSTR_KINDS, attributeFacts, kernelApiFacts, type InstrumentationKind, type KernelApiFacts } from '../model/instrumentation.js';
import type { Configuration } from './configuration.js';
import { FN_ALWAYS_INLINE, FN_CPUIDLE, FN_INLINE, FN_NOINSTR, FN_NOTRACE } from '../scan/name-index.js';
import { Kbuild, type KbuildSetting, type KindVerdicts } from './kbuild.js';
import type { LinkedDef } from './linkage.js';
import { kernelRootOf } from './paths.js';

export type Instrumentability =
  /** Part of each caller's body (a macro, __always_inline, static inline): its calls count there. */
  | { kind: 'inlined'; why: string }
  /** Never instrumented: its calls are checked where it runs. */
  | { kind: 'not-instrumented'; why: string }
  | { kind: 'instrumentable'; kinds: InstrumentationKind[]; why: string };

/** The declaration words the name index records, as the kernel spells them. */
const ATTRIBUTE_WORDS: [bit: number, word: string][] = [
  [FN_NOINSTR, 'noinstr'], [FN_CPUIDLE, '__cpuidle'], [FN_NOTRACE, 'notrace'],
];

/** What its declaration alone says is never instrumented itself (inlined or
 *  noinstr): a call to it where instrumentable code may not run is looked into. */
export function declaredUninstrumented(link: LinkedDef): boolean {
  return link.inline || (link.attributes & (FN_NOINSTR | FN_CPUIDLE | FN_ALWAYS_INLINE)) !== 0;
}

/** Declared noinstr or __cpuidle: perhaps in a section objtool checks as noinstr
 *  (whether __cpuidle is depends on the tree: InstrumentationFacts.inNoinstrSection). */
export function declaredNoinstr(link: LinkedDef): boolean {
  return (link.attributes & (FN_NOINSTR | FN_CPUIDLE)) !== 0;
}

export class InstrumentationFacts {
  private readonly kbuilds = new Map<string, Kbuild>();
  private readonly versions = new Map<string, string | undefined>();
  private readonly known = new Map<string, Instrumentability>();

  /** @param configuration the build's: a kind whose Kconfig option it leaves off is not built in anywhere */
  constructor(private readonly configuration?: Configuration) {}

  /** @param arch the arch whose kernel runs the call (generic code is built for it)
   *  @param object the source file whose object holds the definition's code (a
   *  header's function is compiled into its includer's) */
  of(link: LinkedDef, arch: string | null, object: string): Instrumentability {
    const key = `${link.file}:${link.line}:${link.name}\0${arch ?? ''}\0${object}`;
    let facts = this.known.get(key);
    if (!facts) { facts = this.classify(link, arch, object); this.known.set(key, facts); }
    return facts;
  }

  /** What a call to the kernel API function `name` made from `file` runs, or
   *  undefined when the name is none (or a trace_*_rcuidle() tracepoint where it
   *  makes RCU watch without a warning, or the configuration compiles its class out). */
  kernelApiCall(name: string, file: string, arch: string | null): KernelApiFacts | undefined {
    const facts = kernelApiFacts(name);
    const option = facts && KERNEL_API_OPTIONS[facts.class];
    if (option && this.configuration?.option(option) === false) return undefined;
    if (facts?.class !== 'tracepoint-rcuidle') return facts;
    const root = kernelRootOf(file);
    return root && arch && this.kbuild(root).rcuidleTracepointsWarn(arch) ? facts : undefined;
  }

  /** Kbuild builds every object of the source file without any noinstr kind (arm64's
   *  nVHE hyp code): each of its functions is looked into where a call reaches it. */
  objectUninstrumented(file: string, arch: string | null): boolean {
    const kinds = this.objectKinds(file, arch);
    return kinds !== undefined && NOINSTR_KINDS.every((k) => kinds[k].built === 'without');
  }

  /** What kbuild builds the source file's objects with, or undefined outside a kernel tree. */
  private objectKinds(file: string, arch: string | null): KindVerdicts | undefined {
    const root = kernelRootOf(file);
    // Absolute: the reader takes a relative path as relative to the tree root.
    return root ? this.kbuild(root).instrumentation(path.resolve(file), arch ?? undefined).kinds : undefined;
  }

  /** The kbuild files read so far, present or not (their content decides). */
  kbuildFilesRead(): string[] {
    return [...this.kbuilds.values()].flatMap((k) => k.filesRead()).sort();
  }

  /** The definition is placed in a section objtool checks as noinstr: `noinstr`
   *  (.noinstr.text), and `__cpuidle` where the tree's version makes it the same. */
  inNoinstrSection(link: LinkedDef): boolean {
    if (link.attributes & FN_NOINSTR) return true;
    if (!(link.attributes & FN_CPUIDLE)) return false;
    const root = kernelRootOf(link.file);
    return (attributeFacts('__cpuidle', root ? this.version(root) : undefined)?.removes.length ?? 0) > 0;
  }

  private classify(link: LinkedDef, arch: string | null, object: string): Instrumentability {
    const bits = link.attributes;
    if (link.macro) return { kind: 'inlined', why: 'a macro' };
    if (bits & FN_ALWAYS_INLINE) return { kind: 'inlined', why: '__always_inline' };
    if ((bits & FN_INLINE) && link.isStatic) return { kind: 'inlined', why: 'static inline: taken to be inlined into its callers' };
    const root = kernelRootOf(link.file);
    const removed = new Set<InstrumentationKind>();
    const words: string[] = [];
    for (const [bit, word] of ATTRIBUTE_WORDS) {
      if (!(bits & bit)) continue;
      const facts = attributeFacts(word, root ? this.version(root) : undefined);
      for (const k of facts?.removes ?? []) removed.add(k);
      words.push(word);
    }
    if (bits & FN_INLINE) for (const k of attributeFacts('inline')!.removes) removed.add(k);
    const left = NOINSTR_KINDS.filter((k) => !removed.has(k));
    if (!left.length) return { kind: 'not-instrumented', why: words.join(' ') };
    const kinds = this.objectKinds(object, arch);
    if (!kinds) return { kind: 'instrumentable', kinds: left, why: 'no kernel tree around it: kbuild\'s defaults' };
    const configured = left.filter((k) => this.configuration?.option(INSTRUMENTATION_OPTIONS[k]) !== false);
    const notConfigured = left.filter((k) => !configured.includes(k));
    const kept = configured.filter((k) => kinds[k].built === 'with');
    if (kept.length) return { kind: 'instrumentable', kinds: kept, why: `built with ${kept.join(', ')}` };
    const without = configured.filter((k) => kinds[k].built === 'without');
    const depends = configured.filter((k) => kinds[k].built === 'depends');
    const settings = without.flatMap((k) => kinds[k].decidedBy);
    return {
      kind: 'not-instrumented',
      why: [...words, ...(without.length ? [`built without ${without.join(', ')}${citation(settings)}`] : []),
        ...(notConfigured.length ? [`the configuration does not set ${notConfigured.map((k) => `CONFIG_${INSTRUMENTATION_OPTIONS[k]}`).join(', ')}`] : []),
        ...(depends.length ? [`${depends.join(', ')} only in some configurations (not counted)`] : [])].join('; '),
    };
  }

  private kbuild(root: string): Kbuild {
    let kbuild = this.kbuilds.get(root);
    if (!kbuild) { kbuild = new Kbuild(root); this.kbuilds.set(root, kbuild); }
    return kbuild;
  }

  /** The tree's version, "6.1", from its top Makefile (VERSION, PATCHLEVEL). */
  private version(root: string): string | undefined {
    if (!this.versions.has(root)) {
      let version: string | undefined;
      try {
        const text = readRegularFile(path.join(root, 'Makefile')).toString('latin1').slice(0, 4096);
        const major = /^VERSION\s*=\s*(\d+)/m.exec(text)?.[1];
        const minor = /^PATCHLEVEL\s*=\s*(\d+)/m.exec(text)?.[1];
        version = major && minor ? `${major}.${minor}` : undefined;
      } catch { version = undefined; }
      this.versions.set(root, version);
    }
    return this.versions.get(root);
  }
}

function citation(settings: readonly KbuildSetting[]): string {
  const first = settings[0];
  return first ? ` (${first.file}:${first.line})` : '';
}
