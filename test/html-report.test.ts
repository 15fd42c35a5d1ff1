// The HTML report without a browser (test/html-browser.test.ts renders it): what
// it writes (pages, escaping of hostile file contents and paths, the same bytes
// every run, nothing fetched from anywhere), how it shows what the path cannot
// place in a function, and the CLI around it (-o DIR, the directory's rules,
// patch reports with their introduced and fixed findings).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../src/analysis/interpreter.js';
import { analyzeFiles } from '../src/run/analyze.js';
import type { AnalyzeResult } from '../src/run/types.js';
import { escapeHtml, formatHtml } from '../src/report/html.js';
import { functionExtents } from '../src/report/source-extents.js';
import { RULES } from '../src/rules/index.js';
import { collectFiles } from '../src/scan/collect.js';
import { ARM_BUGGY, makeKernelRepo, OLD_BUG, patchOf, run } from './helpers/kernel-tree.js';

let tmp: string;
beforeAll(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'eqscheck-html-')); });
afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

function readReport(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).sort().map((name) => [name, readFileSync(path.join(dir, name), 'utf8')]));
}

const off = { irq: 'off', ct: 'kernel', vtime: 'off', gif: 'set' } as const;
const inGuest = { ...off, ct: 'guest' } as const;

describe('escapeHtml', () => {
  it('escapes markup and shows control characters as their pictures', () => {
    expect(escapeHtml(`</script><b a="x" b='y'>&amp;`)).toBe('&lt;/script&gt;&lt;b a=&quot;x&quot; b=&#39;y&#39;&gt;&amp;amp;');
    expect(escapeHtml('a\tb\x00c\x1bd\x7f')).toBe('a\tb\u2400c\u241bd\u2421');
  });
});

describe('the HTML report of the examples', () => {
  let first: Map<string, string>;

  beforeAll(async () => {
    for (const dir of ['a', 'b']) {
      const r = await run(['scan', 'fixtures/examples', '--no-cache', '-f', 'html', '-o', path.join(tmp, dir)]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toBe('');
    }
    first = readReport(path.join(tmp, 'a'));
  });

  it('is an index and one page per finding, named by its place in the report', () => {
    expect([...first.keys()]).toEqual(['finding-1.html', 'finding-2.html', 'finding-3.html', 'index.html']);
    const index = first.get('index.html')!;
    expect(index).toContain('3 findings: 2 errors, 1 warning');
    for (let i = 1; i <= 3; i++) expect(index).toContain(`href="finding-${i}.html"`);
  });

  it('is the same bytes on every run', () => {
    expect(readReport(path.join(tmp, 'b'))).toEqual(first);
  });

  it('refers to nothing outside itself', () => {
    for (const [name, html] of first) {
      expect(html, name).not.toMatch(/https?:|\/\/[a-z]/i);
      expect(html, name).not.toMatch(/\ssrc\s*=/i);
      expect(html, name).toContain(`content="default-src 'none'`);
      for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1], name).toMatch(/^(?:#[\w-]+|index\.html|finding-\d+\.html)$/);
    }
  });

  it('shows the path: each step in the gutter of its line, its sentence and the state after it', () => {
    const page = first.get('finding-2.html')!; // arm.c:62, local_irq_enable() inside the guest context
    expect(page).toMatch(/<tr data-line="62" class="stepped"><td class="g"><a class="badge" href="#step-2">2<\/a><\/td><td class="ln">62<\/td><td class="code">\t\t<mark>local_irq_enable<\/mark>\(\);/);
    expect(page).toContain('local_irq_enable() enables interrupts in the guest context (EQS)<span class="state"><span class="chip irq-on">interrupts on</span><span class="chip ct-guest">guest context (EQS)</span>');
  });
});

describe('a finding the report cannot place in a function', () => {
  let summary: AnalyzeResult['summary'];
  beforeAll(async () => {
    const { files } = collectFiles(['fixtures/examples']);
    summary = (await analyzeFiles(files, { rules: RULES, defines: new Set() })).summary;
  });

  const HOSTILE = [
    'static noinstr void',
    'enter(void)',
    '{',
    '\t/* </script><script>alert(1)</script> & <b>bold</b> */',
    '\tguest_enter_irqoff();',
    '\tlocal_irq_enable();\t/* <img src=x onerror=alert(1)> */',
    '}',
    '',
    '#define UNMASK() \\',
    '\tdo { local_irq_enable(); } while (0)',
    'int x = 1; /* file scope: no function here */',
  ].join('\n');

  function finding(trace: Finding['trace']): Finding {
    return {
      ruleId: 'irq-enabled-in-eqs', severity: 'error', file: 'h.c', line: 6, column: 2, function: 'enter', message: 'm <i>', trace,
      notes: ['assumed <entry> state & more'], related: [{ file: 'h.c', line: 6, column: 2, message: 'also <here>' }, { file: 'elsewhere.c', line: 1, column: 1, message: 'not shown' }],
    };
  }

  it('escapes the source and the notes, and shows a function, a macro and lines outside both', () => {
    const pages = formatHtml({ summary, findings: [finding([
      { file: 'h.c', line: 5, column: 2, depth: 0, event: { kind: 'op', op: 'ct-enter', context: 'guest', primitive: 'guest_enter_irqoff', after: inGuest } },
      { file: 'h.c', line: 10, column: 7, depth: 0, event: { kind: 'op', op: 'irq-on', primitive: 'local_irq_enable', after: { ...inGuest, irq: 'on' } } },
      { file: 'h.c', line: 11, column: 1, depth: 0, event: { kind: 'symptom', symptom: 'x </script> y', after: inGuest } },
    ])] }, { readText: (f) => (f === 'h.c' ? HOSTILE : undefined) });
    const page = pages.get('finding-1.html')!;
    expect(page).not.toMatch(/<img|<b>|<i>|<entry>|<script>|<\/script>/);
    expect(page).toContain('<td class="code">\t/* &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; */</td>');
    expect(page).toContain('<td class="code">\t<mark>local_irq_enable</mark>();\t/* &lt;img src=x onerror=alert(1)&gt; */</td>');
    expect(page).toContain('<li>assumed &lt;entry&gt; state &amp; more</li>');
    // A related location is marked at its line when a listing shows it, and linked to from the notes.
    expect(page).toContain('<li><a href="#also-1"><span class="mono">h.c:6:2</span></a> also &lt;here&gt;</li>');
    expect(page).toMatch(/<tr data-line="6" class="stepped">.*<mark>local_irq_enable<\/mark>.*<div class="also" id="also-1"><span class="badge also">also<\/span> also &lt;here&gt;<\/div>/);
    expect(page).toContain('<li><span class="mono">elsewhere.c:1:1</span> not shown</li>');
    // The function from its declaration's first line; the macro whole; the file-scope
    // line with the lines around it (the file has none after it).
    const sections = [...page.matchAll(/<section class="fn" id="fn-\d+" data-file="h.c" data-function="(\w+)" data-start="(\d+)" data-end="(\d+)">/g)].map((m) => m.slice(1).join(' '));
    expect(sections).toEqual(['enter 1 7', 'UNMASK 9 10', 'enter 8 11']);
  });

  it('lists the steps of a file it cannot read, without source', () => {
    const page = formatHtml({ summary, findings: [finding([
      { file: 'gone.c', line: 3, column: 1, depth: 0, event: { kind: 'symptom', symptom: 'here', after: off } },
    ])] }, { readText: () => undefined }).get('finding-1.html')!;
    expect(page).toContain('gone.c could not be read, or does not have these lines; the steps:');
    expect(page).toContain('id="step-1" data-step="1" data-file="gone.c" data-line="3"');
  });
});

describe('function extents', () => {
  it('start at the declaration over the name and end at the closing brace; macros end at their last line', () => {
    const text = '/* c */\nstatic __always_inline int\nf(int a)\n{\n\treturn a;\n}\n#define M(x) \\\n\tg(x); \\\n\th(x)\nvoid k(void) { }\n';
    expect(functionExtents('t.c', text, text.split('\n'))).toEqual([
      { name: 'f', start: 2, end: 6 }, { name: 'k', start: 10, end: 10 }, { name: 'M', start: 7, end: 9 },
    ]);
  });
});

describe('the CLI', () => {
  it('refuses --format html without -o, in one line, before any work', async () => {
    const r = await run(['scan', 'fixtures/examples', '-f', 'html']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('eqscheck: error: --format html writes a directory of pages: give it with -o DIR\n');
  });

  it('writes only into a new or empty directory or over an earlier report, whose stale pages it removes', async () => {
    const file = path.join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const onFile = await run(['scan', 'fixtures/examples', '--no-cache', '-f', 'html', '-o', file]);
    expect([onFile.code, onFile.stderr]).toEqual([2, `eqscheck: error: ${file}: is not a directory (--format html writes a directory of pages: -o DIR)\n`]);

    const foreign = path.join(tmp, 'foreign');
    mkdirSync(foreign);
    writeFileSync(path.join(foreign, 'index.html'), '<p>mine</p>');
    const onForeign = await run(['scan', 'fixtures/examples', '--no-cache', '-f', 'html', '-o', foreign]);
    expect([onForeign.code, onForeign.stderr]).toEqual([2, `eqscheck: error: ${foreign}: is not empty and holds no eqscheck HTML report: give a new or an empty directory\n`]);
    expect(readdirSync(foreign)).toEqual(['index.html']);

    const dir = path.join(tmp, 'again');
    expect((await run(['scan', 'fixtures/examples', '--no-cache', '-f', 'html', '-o', dir])).code).toBe(1);
    writeFileSync(path.join(dir, 'README'), 'kept');
    const clean = path.join(tmp, 'clean.c');
    writeFileSync(clean, 'void f(void) { }\n');
    expect((await run(['scan', clean, '--no-cache', '-f', 'html', '-o', dir])).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['README', 'index.html']);
    expect(readFileSync(path.join(dir, 'index.html'), 'utf8')).toContain('0 findings');
  });

  it('escapes a hostile path wherever it shows it', async () => {
    const dir = path.join(tmp, `x<img src=x onerror=alert(1)>&"'`);
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'run.c'), 'void vcpu_run(void)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n\tlocal_irq_enable();\n\tguest_state_exit_irqoff();\n}\n');
    const out = path.join(tmp, 'hostile-report');
    expect((await run(['scan', dir, '--no-cache', '-f', 'html', '-o', out])).code).toBe(1);
    for (const [name, html] of readReport(out)) {
      expect(html, name).not.toContain('<img');
      expect(html, name).not.toContain(`&"'`);
    }
    expect(readFileSync(path.join(out, 'finding-1.html'), 'utf8')).toContain('x&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;/run.c');
  });

  it('writes a patch report: introduced findings with the new source, fixed ones with the old', async () => {
    const repo = makeKernelRepo(path.join(tmp, 'tree'));
    const patch = path.join(tmp, 'change.patch');
    writeFileSync(patch, patchOf(repo, { 'arch/x/kvm/arm.c': ARM_BUGGY, 'arch/x/kvm/old.c': OLD_BUG.replace('\tlocal_irq_enable();\n\tguest_state_exit_irqoff();\n', '\tguest_state_exit_irqoff();\n\tlocal_irq_enable();\n') }));
    const out = path.join(tmp, 'patch-report');
    const r = await run(['patch', patch, '--tree', repo, '-f', 'html', '-o', out]);
    expect(r.code, r.stderr).toBe(1);
    const pages = readReport(out);
    const index = pages.get('index.html')!;
    expect(index).toContain('Introduced by the patch: 1 finding');
    expect(index).toContain('Fixed by the patch: 1 finding');
    expect([...index.matchAll(/<td data-sort="(introduced|fixed)">/g)].map((m) => m[1])).toEqual(['introduced', 'fixed']);
    // The fixed finding's line 9 is the old file's local_irq_enable(), which the patched file no longer has there.
    const fixed = pages.get('finding-2.html')!;
    expect(fixed).toContain('<span class="change change-fixed">fixed</span>');
    expect(fixed).toMatch(/<tr data-line="9" class="stepped">.*<td class="code">\t<mark>local_irq_enable<\/mark>\(\);<\/td>/);
    expect(existsSync(path.join(out, 'finding-3.html'))).toBe(false);
  });
});
