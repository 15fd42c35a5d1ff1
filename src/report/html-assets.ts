// What every page of the HTML report carries inline (the report is read
// offline, from a directory or an archive a CI job keeps: nothing is fetched).
// The script holds no data of the report: it reads the table it sorts and
// filters from the page, so nothing of the scanned files is ever inside <script>.

export const STYLE = `
:root { --fg: #1d1f21; --dim: #5f6368; --line: #e3e5e8; --bg-alt: #f6f7f9; --mark: #fff3b0;
  --error: #b3261e; --warning: #a05a00; --note: #1f6feb; --eqs: #8a2be2; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); margin: 0 auto; padding: 16px 24px 48px; max-width: 1600px; }
a { color: #0b57d0; text-decoration: none; } a:hover { text-decoration: underline; }
h1 { font-size: 19px; margin: 8px 0; } h2 { font-size: 16px; margin: 22px 0 8px; } h3 { font-size: 14px; margin: 0; }
code, .code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
nav { display: flex; gap: 16px; color: var(--dim); }
.level { display: inline-block; padding: 0 7px; border-radius: 4px; color: #fff; font-size: 12px; font-weight: 600; vertical-align: 2px; }
.level-error { background: var(--error); } .level-warning { background: var(--warning); } .level-note { background: var(--note); }
.change { display: inline-block; padding: 0 7px; border-radius: 4px; border: 1px solid currentColor; font-size: 12px; }
.change-introduced { color: var(--error); } .change-fixed { color: #1a7f37; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
.facts dt { color: var(--dim); } .facts dd { margin: 0; }
.notes { border-left: 4px solid var(--note); background: #eef4ff; padding: 6px 12px; margin: 12px 0; }
.notes ul { margin: 4px 0; padding-left: 18px; }
.summary { color: var(--dim); margin: 4px 0; }
table { border-collapse: collapse; }
#findings { width: 100%; }
#findings th { text-align: left; cursor: pointer; user-select: none; border-bottom: 2px solid var(--line); padding: 4px 8px; white-space: nowrap; }
#findings th[aria-sort=ascending]::after { content: " \\25B2"; } #findings th[aria-sort=descending]::after { content: " \\25BC"; }
#findings td { border-bottom: 1px solid var(--line); padding: 4px 8px; vertical-align: top; }
#findings td:not(:last-child) { white-space: nowrap; }
#findings tbody tr:hover { background: var(--bg-alt); }
.filters { display: flex; gap: 12px; margin: 10px 0; align-items: center; }
.filters input { width: 320px; padding: 3px 6px; }
ol.path { margin: 0; padding-left: 0; list-style: none; }
ol.path li { padding: 1px 0 1px calc(var(--depth) * 22px); }
ol.path .num, .step .num, .badge { display: inline-block; min-width: 22px; padding: 0 4px; border-radius: 10px; background: #3c4043; color: #fff; text-align: center; font-size: 11.5px; font-weight: 600; }
.chip { display: inline-block; padding: 0 6px; margin: 1px 3px 1px 0; border-radius: 3px; background: #e8eaed; font-size: 11.5px; white-space: nowrap; }
.chip.irq-on { background: #fde2e1; } .chip.irq-off { background: #e2f3e5; }
.chip.ct-guest, .chip.ct-user, .chip.ct-idle { background: #efe3ff; color: #4b1a85; }
section.fn { border: 1px solid var(--line); border-radius: 6px; margin: 14px 0; overflow: hidden; }
section.fn > header { background: var(--bg-alt); padding: 6px 10px; border-bottom: 1px solid var(--line); display: flex; gap: 12px; align-items: baseline; }
section.fn > header .loc { color: var(--dim); }
table.src { width: 100%; table-layout: fixed; }
table.src td { padding: 0 8px; vertical-align: top; }
table.src col.g { width: 64px; } table.src col.ln { width: 52px; } table.src col.ann { width: 44%; }
table.src td.g { text-align: right; white-space: nowrap; }
table.src td.ln { text-align: right; color: var(--dim); user-select: none; border-right: 1px solid var(--line); }
table.src td.code { white-space: pre-wrap; overflow-wrap: anywhere; tab-size: 8; -moz-tab-size: 8; }
table.src tr.stepped td { background: #fffbe6; }
table.src tr.stepped td.ann { background: #fff; }
table.src td.ann { border-left: 1px solid var(--line); padding: 0 8px; font-size: 13px; }
mark { background: var(--mark); border-radius: 2px; }
.step { padding: 3px 0; border-bottom: 1px dashed var(--line); } .step:last-child { border-bottom: 0; }
.step .state { display: block; margin-top: 2px; }
.step .links a { margin-right: 10px; font-size: 12.5px; }
.step:target, ol.path li:target { outline: 2px solid #0b57d0; outline-offset: 1px; border-radius: 3px; }
.unread { color: var(--dim); padding: 6px 10px; }
.badge.also { background: #6b4fbb; } .also { padding: 3px 0; }
.also:target { outline: 2px solid #0b57d0; outline-offset: 1px; border-radius: 3px; }
`;

/** Sorting (a click on a header; again: the other way) and filtering (text, and a
 *  select per column that has one) of the index's table. */
export const INDEX_SCRIPT = `
(function () {
  var table = document.getElementById('findings');
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById('filter-text');
  var selects = Array.prototype.slice.call(document.querySelectorAll('select[data-column]'));
  var shown = document.getElementById('shown');
  function cell(row, column) { var c = row.cells[column]; return c.getAttribute('data-sort') || c.textContent; }
  function apply() {
    var q = text.value.toLowerCase(), n = 0;
    rows.forEach(function (row) {
      var ok = row.textContent.toLowerCase().indexOf(q) >= 0;
      selects.forEach(function (s) { if (s.value && cell(row, +s.getAttribute('data-column')) !== s.value) ok = false; });
      row.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n === rows.length ? '' : n + ' of ' + rows.length + ' shown';
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
    th.addEventListener('click', function () {
      var up = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (o) { o.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
      var numeric = th.hasAttribute('data-numeric');
      rows.sort(function (a, b) {
        var x = cell(a, column), y = cell(b, column);
        var d = numeric ? x - y : x < y ? -1 : x > y ? 1 : 0;
        return (up ? d : -d) || (+a.getAttribute('data-index') - +b.getAttribute('data-index'));
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  text.addEventListener('input', apply);
  selects.forEach(function (s) { s.addEventListener('change', apply); });
  apply();
})();
`;
