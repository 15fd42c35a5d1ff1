// Generators of extreme inputs (issue 12): each returns the text of one C file
// whose shape is proportional to `n`. The unit tests run them small
// (test/robustness.test.ts), `npm run bench:robustness` at full size.
// `deep`: nesting the CFG builder cuts (named in the summary); `finding`: the rule
// the report must hold (irq-enabled-in-eqs: the far end of a long chain enables
// interrupts in the EQS window, so the report shows the chain was walked to its end).

/** A function that enters and leaves the guest state around `inner`, so that the
 *  pre-filter selects it and every phase (index, CFG, interpreter) sees it. */
function eqsFunction(name, inner) {
  return `void ${name}(int x)\n{\n\tlocal_irq_disable();\n\tguest_state_enter_irqoff();\n${inner}\n\tguest_state_exit_irqoff();\n\tlocal_irq_enable();\n}\n`;
}

const repeat = (s, n) => s.repeat(n);

export const HOSTILE_INPUTS = [
  { name: 'nested-braces', deep: true, full: 5000, make: (n) => eqsFunction('deep_braces', `${repeat('{', n)} x++; ${repeat('}', n)}`) },
  { name: 'nested-parens', deep: true, full: 5000, make: (n) => eqsFunction('deep_parens', `\tx = ${repeat('(', n)}x${repeat(')', n)};`) },
  { name: 'nested-if', deep: true, full: 5000, make: (n) => eqsFunction('deep_if', `${repeat('if (x)\n', n)}\t\tx++;`) },
  { name: 'nested-do-while', deep: true, full: 5000, make: (n) => eqsFunction('deep_do', `${repeat('do { ', n)}x++;${repeat(' } while (0);', n)}`) },
  { name: 'nested-ternary', deep: true, full: 5000, make: (n) => eqsFunction('deep_ternary', `\tx = ${repeat('x ? 1 : ', n)}0;`) },
  { name: 'nested-ternary-condition', deep: true, full: 5000, make: (n) => eqsFunction('deep_ternary_cond', `\tx = ${repeat('(x ? ', n)}1${repeat(' : 0)', n)};`) },
  { name: 'nested-switch', deep: true, full: 3000, make: (n) => eqsFunction('deep_switch', `${repeat('switch (x) { case 1: ', n)}x++;${repeat(' }', n)}`) },
  { name: 'nested-ifdef', full: 5000, make: (n) => `${repeat('#ifdef CONFIG_A\n', n)}${eqsFunction('inside_ifdefs', '\tx++;')}${repeat('#endif\n', n)}` },
  { name: 'else-if-chain', full: 20000, finding: 'irq-enabled-in-eqs', make: (n) => eqsFunction('long_else_if', `\tif (x == 0) x++;\n${Array.from({ length: n }, (_, i) => `\telse if (x == ${i + 1}) x++;\n`).join('')}\telse local_irq_enable();`) },
  { name: 'long-sum', full: 100000, finding: 'irq-enabled-in-eqs', make: (n) => eqsFunction('long_sum', `\tx = ${Array(n).fill('x').join(' + ')} + local_irq_enable();`) },
  { name: 'long-and-chain', full: 100000, finding: 'irq-enabled-in-eqs', make: (n) => eqsFunction('long_and', `\tif (${Array(n).fill('x').join(' && ')}) local_irq_enable();`) },
  { name: 'long-comma', full: 100000, finding: 'irq-enabled-in-eqs', make: (n) => eqsFunction('long_comma', `\tx = (${Array(n).fill('x').join(', ')}, local_irq_enable());`) },
  { name: 'call-chain', full: 20000, prefilter: false, tooDeepCalls: true, finding: 'instrumentation-in-eqs', make: (n) => {
    // c0 is the EQS function; c1 … cn each call the next, and cn enables
    // interrupts: every level may change the state, so each is followed. (The
    // finding: c1() is instrumentable, called inside the EQS.)
    const fns = [eqsFunction('c0', '\tc1();')];
    for (let i = 1; i < n; i++) fns.push(`void c${i}(void)\n{\n\tc${i + 1}();\n}\n`);
    fns.push(`void c${n}(void)\n{\n\tlocal_irq_enable();\n}\n`);
    return fns.join('\n');
  } },
  { name: 'empty-lines', full: 1000000, finding: 'irq-enabled-in-eqs', make: (n) => `${eqsFunction('before', '\tx++;')}${repeat('\n', n)}${eqsFunction('after', '\tlocal_irq_enable();')}` },
  { name: 'long-function', full: 200000, finding: 'irq-enabled-in-eqs', make: (n) => eqsFunction('long_body', `${repeat('\tx++;\n', n)}\tlocal_irq_enable();`) },
  { name: 'long-line', full: 10 * 1024 * 1024, finding: 'irq-enabled-in-eqs', make: (n) => eqsFunction('long_line', `\tx = ${Array(Math.ceil(n / 4)).fill('x').join(' + ')} + local_irq_enable();`) },
  { name: 'big-file', full: 50 * 1024 * 1024, prefilter: false, finding: 'instrumentation-in-eqs', make: (n) => {
    // (The finding: helper_0() is instrumentable, called inside the EQS.)
    // Functions of ~1 KB, as the kernel's are: 50 MB is ~50,000 of them (within
    // what a run builds, see run/analyze MAX_BUILT).
    const body = Array.from({ length: 24 }, (_, k) => `\tif (a > ${k})\n\t\ta = a * ${k + 2} - b;\n`).join('');
    const one = (i) => `static int helper_${i}(int a, int b)\n{\n${body}\treturn a + ${i};\n}\n\n`;
    const parts = [eqsFunction('big_file_root', '\tx = helper_0(x, x);')];
    let size = parts[0].length;
    for (let i = 0; size < n; i++) { const p = one(i); parts.push(p); size += p.length; }
    return parts.join('');
  } },
];
