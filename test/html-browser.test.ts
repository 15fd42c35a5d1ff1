// The HTML report of fixtures/examples as a browser shows it: headless Chromium
// loads every page, and the test reads the rendered DOM: every step of every
// witness path beside its own line, in the source of the function that line is
// in (found here from the files' layout, not by eqscheck's parser), with the
// state after it; the links into callees and back; every link of the report
// leading to a page and an anchor that exist; sorting and filtering of the index
// working; nothing requested beyond the report's own files. Screenshots are kept
// in test-output/html-report/ for a reviewer to look at.
//
// Without Chromium the test is skipped (apt-get install chromium, or CHROMIUM=path),
// except where EQSCHECK_REQUIRE_CHROMIUM is set (.ci/run sets it): there it fails.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, findChromium } from './helpers/chromium.js';
import { run } from './helpers/kernel-tree.js';

const repo = path.join(__dirname, '..');
const OUT = path.join(repo, 'test-output', 'html-report');
const REPORT = path.join(OUT, 'report');
const chromium = findChromium();
const required = Boolean(process.env['EQSCHECK_REQUIRE_CHROMIUM']);

interface JsonStep { file: string; line: number; message: string; depth: number }
interface JsonFinding { ruleId: string; file: string; line: number; function: string; message: string; trace: JsonStep[]; notes: string[] }

/** The function each line of one of the examples' files is in: a definition starts
 *  at a line in column 0 holding `name(` with `{` alone on the next line, and ends
 *  at the next `}` alone on a line (the layout of the example files). */
function functionsOfLines(file: string): Map<number, string> {
  const lines = readFileSync(path.join(repo, file), 'utf8').split('\n');
  const of = new Map<number, string>();
  for (let i = 0; i < lines.length; i++) {
    const head = /^[A-Za-z_].*?\b([A-Za-z_]\w*)\s*\(/.exec(lines[i]!);
    if (!head || lines[i + 1] !== '{') continue;
    let j = i + 1;
    while (j < lines.length && lines[j] !== '}') j++;
    for (let n = i; n <= j; n++) of.set(n + 1, head[1]!);
    i = j;
  }
  return of;
}

interface DomStep {
  id: string; text: string; line: number | null; code: string | null; gutter: string[];
  file: string; fn: string; chips: string[]; links: { cls: string; href: string }[]; visible: boolean;
}
interface DomSection { file: string; fn: string; lines: number[] }
interface DomPage { steps: DomStep[]; sections: DomSection[]; ids: string[]; hrefs: string[]; withSrc: number }

const READ_PAGE = `(() => {
  const steps = [...document.querySelectorAll('.step')].map((el) => {
    const tr = el.closest('tr');
    const section = el.closest('section.fn');
    return {
      id: el.id, text: el.textContent, line: tr ? Number(tr.dataset.line) : null,
      code: tr ? tr.querySelector('td.code').textContent : null,
      gutter: tr ? [...tr.querySelectorAll('td.g a')].map((a) => a.textContent) : [],
      file: section.dataset.file, fn: section.dataset.function,
      chips: [...el.querySelectorAll('.chip')].map((c) => c.textContent),
      links: [...el.querySelectorAll('.links a')].map((a) => ({ cls: a.className, href: a.getAttribute('href') })),
      visible: el.getBoundingClientRect().height > 0 && tr.querySelector('td.code').getBoundingClientRect().width > 100,
    };
  });
  return {
    steps,
    ids: [...document.querySelectorAll('[id]')].map((e) => e.id),
    hrefs: [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
    sections: [...document.querySelectorAll('section.fn')].map((s) => ({
      file: s.dataset.file, fn: s.dataset.function, lines: [...s.querySelectorAll('tr[data-line]')].map((tr) => Number(tr.dataset.line)),
    })),
    withSrc: document.querySelectorAll('[src]').length,
  };
})()`;

const READ_INDEX = `(() => [...document.querySelectorAll('#findings tbody tr')].filter((r) => !r.hidden)
  .map((r) => ({ n: r.cells[0].textContent, severity: r.cells[1].textContent, href: r.querySelector('a').getAttribute('href') })))()`;

describe.runIf(chromium || required)('the HTML report in Chromium', () => {
  let browser: Browser;
  let findings: JsonFinding[];
  const pages = new Map<string, DomPage>();
  let requests: string[];

  beforeAll(async () => {
    if (!chromium) throw new Error('chromium is not installed, and EQSCHECK_REQUIRE_CHROMIUM says this run must test in it (apt-get install chromium)');
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const html = await run(['scan', 'fixtures/examples', '--no-cache', '-f', 'html', '-o', REPORT]);
    expect(html.code, html.stderr).toBe(1);
    const json = await run(['scan', 'fixtures/examples', '--no-cache', '-f', 'json']);
    findings = (JSON.parse(json.stdout) as { findings: JsonFinding[] }).findings;
    expect(findings.length).toBe(3);
    browser = await Browser.launch(chromium, { width: 1400, height: 1000 });
    requests = browser.requests();
    for (const name of ['index.html', ...findings.map((_, i) => `finding-${i + 1}.html`)]) {
      await browser.open(pathToFileURL(path.join(REPORT, name)).href);
      if (name === 'index.html') writeFileSync(path.join(OUT, 'index.png'), await browser.screenshot());
      pages.set(name, await browser.evaluate<DomPage>(READ_PAGE));
      if (name !== 'index.html') writeFileSync(path.join(OUT, name.replace('.html', '.png')), await browser.screenshot());
    }
  }, 120_000);

  afterAll(async () => { await browser?.close(); });

  it('shows every step at its line, in the source of the function the line is in, with the state after it', () => {
    findings.forEach((f, k) => {
      const page = pages.get(`finding-${k + 1}.html`)!;
      expect(page.steps.length, f.message).toBe(f.trace.length);
      f.trace.forEach((t, i) => {
        const shown = page.steps.filter((s) => s.id === `step-${i + 1}`);
        expect(shown.length, `step ${i + 1} of ${f.message}`).toBe(1);
        const s = shown[0]!;
        const where = `step ${i + 1} (${t.file}:${t.line}) of finding ${k + 1}`;
        expect([s.file, s.line], where).toEqual([t.file, t.line]);
        expect(s.code, where).toBe(readFileSync(path.join(repo, t.file), 'utf8').split('\n')[t.line - 1]);
        expect(s.fn, where).toBe(functionsOfLines(t.file).get(t.line));
        expect(s.gutter, where).toContain(String(i + 1));
        expect(s.text, where).toContain(t.message);
        expect(s.visible, where).toBe(true);
        // Interrupts and context at least; a call's state is the one the sentence says it returns with.
        expect(s.chips.length, where).toBeGreaterThanOrEqual(2);
        const returns = /returns with (.*)$/.exec(t.message);
        if (returns) expect(s.chips.join('; '), where).toBe(returns[1]);
      });
    });
  });

  it('shows each function on a path once and whole, from its first line to its closing brace', () => {
    findings.forEach((f, k) => {
      const page = pages.get(`finding-${k + 1}.html`)!;
      const onPath = [...new Set(f.trace.map((t) => `${t.file} ${functionsOfLines(t.file).get(t.line)}`))];
      expect(page.sections.map((s) => `${s.file} ${s.fn}`), f.message).toEqual(onPath);
      for (const s of page.sections) {
        const lines = [...functionsOfLines(s.file)].filter(([, fn]) => fn === s.fn).map(([n]) => n);
        expect(s.lines, `${s.fn} on finding ${k + 1}`).toEqual(lines);
      }
    });
  });

  it('links a call step into its callee and the callee back to the call', () => {
    let calls = 0;
    findings.forEach((f, k) => {
      const page = pages.get(`finding-${k + 1}.html`)!;
      f.trace.forEach((t, i) => {
        const s = page.steps.find((x) => x.id === `step-${i + 1}`)!;
        const next = f.trace[i + 1];
        const enters = next !== undefined && next.depth === t.depth + 1;
        expect(s.links.filter((l) => l.cls === 'enter').map((l) => l.href)).toEqual(enters ? [`#step-${i + 2}`] : []);
        const prev = f.trace[i - 1];
        const entered = prev !== undefined && t.depth === prev.depth + 1;
        expect(s.links.filter((l) => l.cls === 'back').map((l) => l.href)).toEqual(entered ? [`#step-${i}`] : []);
        if (enters) {
          calls++;
          // The step it enters is in the callee the call's sentence names.
          const callee = page.steps.find((x) => x.id === `step-${i + 2}`)!.fn;
          expect(t.message).toContain(`${callee}()`);
        }
      });
    });
    expect(calls).toBeGreaterThan(0);
  });

  it('has only links that resolve to a page and an anchor of the report, and loads nothing else', () => {
    let links = 0;
    for (const [name, page] of pages) {
      expect(page.withSrc, name).toBe(0);
      for (const href of page.hrefs) {
        const [file, anchor] = href.split('#') as [string, string | undefined];
        const target = file || name;
        expect(existsSync(path.join(REPORT, target)), `${name}: ${href}`).toBe(true);
        expect(pages.has(target), `${name}: ${href}`).toBe(true);
        if (anchor !== undefined) expect(pages.get(target)!.ids, `${name}: ${href}`).toContain(anchor);
        links++;
      }
    }
    expect(links).toBeGreaterThan(20);
    expect(requests.length).toBeGreaterThan(0);
    for (const url of requests) expect(url.startsWith(pathToFileURL(REPORT).href + '/'), url).toBe(true);
  });

  it('sorts the index by a column and filters it', async () => {
    await browser.open(pathToFileURL(path.join(REPORT, 'index.html')).href);
    const initial = await browser.evaluate<{ n: string; severity: string; href: string }[]>(READ_INDEX);
    expect(initial.map((r) => r.href)).toEqual(findings.map((_, i) => `finding-${i + 1}.html`));
    const clickSeverity = `[...document.querySelectorAll('#findings th')].find((th) => th.textContent === 'severity').click()`;
    await browser.evaluate(clickSeverity);
    expect((await browser.evaluate<{ severity: string }[]>(READ_INDEX)).map((r) => r.severity)).toEqual(['error', 'error', 'warning']);
    await browser.evaluate(clickSeverity);
    expect((await browser.evaluate<{ severity: string }[]>(READ_INDEX)).map((r) => r.severity)).toEqual(['warning', 'error', 'error']);
    await browser.evaluate(`(() => { const t = document.getElementById('filter-text'); t.value = 'vcpu_enter_guest'; t.dispatchEvent(new Event('input')); })()`);
    expect((await browser.evaluate<{ href: string }[]>(READ_INDEX)).map((r) => r.href)).toEqual([`finding-${findings.findIndex((f) => f.function === 'vcpu_enter_guest') + 1}.html`]);
    await browser.evaluate(`(() => { const t = document.getElementById('filter-text'); t.value = ''; t.dispatchEvent(new Event('input'));
      const s = document.querySelector('select[data-column="2"]'); s.value = 'irq-enabled-in-eqs'; s.dispatchEvent(new Event('change')); })()`);
    expect((await browser.evaluate<{ href: string }[]>(READ_INDEX)).map((r) => r.href)).toEqual([`finding-${findings.findIndex((f) => f.ruleId === 'irq-enabled-in-eqs') + 1}.html`]);
  });

  it('keeps screenshots of the index and of each finding', () => {
    for (const name of ['index.png', ...findings.map((_, i) => `finding-${i + 1}.png`)]) {
      const png = readFileSync(path.join(OUT, name));
      expect(png.subarray(1, 4).toString('latin1'), name).toBe('PNG');
      expect(png.length, name).toBeGreaterThan(10_000);
    }
  });
});

const SKIPPED = 'skipped: chromium is not installed (apt-get install chromium, or set CHROMIUM to a Chromium executable)';
if (!chromium && !required) {
  console.warn(`test/html-browser.test.ts: ${SKIPPED}`);
  describe('the HTML report in Chromium', () => { it.skip(SKIPPED, () => {}); });
}
