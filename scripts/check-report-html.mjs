// Renders a nightly report.html in headless Chromium (Debian's `chromium`) through the DevTools
// protocol, with nothing but Node's standard library: takes a screenshot, and checks that the
// page made no network request, logged no error (a blocked fetch shows as a CSP error), ran its
// script, drew its charts and tables, and that sorting and filtering work.
//
//   node --experimental-websocket scripts/check-report-html.mjs reports/DATE/report.html shot.png
//
// Exit 0 when every check passes; 1 with the failed checks listed otherwise.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [page, shot] = process.argv.slice(2);
if (!page || !shot) {
  console.error('usage: check-report-html.mjs REPORT.html SCREENSHOT.png');
  process.exit(2);
}
const url = pathToFileURL(resolve(page)).href;
const profile = mkdtempSync(join(tmpdir(), 'report-check-'));
const chrome = spawn('chromium', [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--remote-debugging-port=0',
  `--user-data-dir=${profile}`, '--window-size=1280,1400', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe'] });

const endpoint = await new Promise((ok, fail) => {
  let err = '';
  const timer = setTimeout(() => fail(new Error('chromium did not start: ' + err)), 30000);
  chrome.stderr.on('data', (d) => {
    err += d;
    const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
    if (m) { clearTimeout(timer); ok(m[1]); }
  });
});
const port = new URL(endpoint).port;
const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
const target = targets.find((t) => t.type === 'page');
const ws = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((ok) => ws.addEventListener('open', ok));

let id = 0;
const pending = new Map();
const events = [];
ws.addEventListener('message', (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && pending.has(msg.id)) { pending.get(msg.id)(msg); pending.delete(msg.id); } else if (msg.method) events.push(msg);
});
const send = (method, params = {}) => new Promise((ok) => { id += 1; pending.set(id, ok); ws.send(JSON.stringify({ id, method, params })); });
const evaluate = async (expression) => (await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true })).result.result.value;

await send('Network.enable');
await send('Page.enable');
await send('Log.enable');
await send('Runtime.enable');
await send('Page.navigate', { url });
const deadline = Date.now() + 30000;
while (!events.some((e) => e.method === 'Page.loadEventFired') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

const facts = await evaluate(`(() => {
  const rows = () => Array.from(document.querySelectorAll('#records tbody tr'));
  const visible = () => rows().filter((r) => r.style.display !== 'none').length;
  const first = () => rows()[0] ? rows()[0].cells[4].textContent : null;
  const out = {
    ready: document.body.getAttribute('data-ready') === '1',
    headline: (document.querySelector('.headline') || {}).textContent || '',
    charts: document.querySelectorAll('svg.chart').length,
    marks: document.querySelectorAll('svg.chart circle, svg.chart polyline, svg.chart rect').length,
    rows: rows().length,
    tables: document.querySelectorAll('table').length,
    embedded: !!JSON.parse(document.getElementById('report-data').textContent).records,
  };
  // Sorting by code bytes: ascending after one click, descending after the next, every row.
  const bytes = () => rows().map((r) => Number(r.cells[4].textContent));
  const ordered = (xs, up) => xs.every((x, i) => i === 0 || (up ? xs[i - 1] <= x : xs[i - 1] >= x));
  const th = document.querySelectorAll('#records thead th')[4];
  th.click(); const up = ordered(bytes(), true);
  th.click(); const down = ordered(bytes(), false);
  out.sorts = up && down;
  // Filtering on a word no row has, then on nothing.
  const f = document.getElementById('filter');
  f.value = 'no-row-has-this'; f.dispatchEvent(new Event('input'));
  out.filtered = visible();
  f.value = ''; f.dispatchEvent(new Event('input'));
  out.unfiltered = visible();
  window.scrollTo(0, 0);
  return out;
})()`);

const png = await send('Page.captureScreenshot', { format: 'png' });
writeFileSync(shot, Buffer.from(png.result.data, 'base64'));

const requests = events.filter((e) => e.method === 'Network.requestWillBeSent').map((e) => e.params.request.url);
const outside = requests.filter((u) => u !== url && !u.startsWith('data:'));
const errors = events
  .filter((e) => (e.method === 'Log.entryAdded' && e.params.entry.level === 'error') || e.method === 'Runtime.exceptionThrown')
  .map((e) => JSON.stringify(e.params).slice(0, 300));

const failed = [];
if (outside.length) failed.push(`network requests: ${outside.join(', ')}`);
if (errors.length) failed.push(`errors: ${errors.join(' | ')}`);
if (!facts.ready) failed.push('the page script did not run');
if (facts.charts < 4) failed.push(`${facts.charts} charts (at least 4 expected)`);
if (facts.marks < 4) failed.push('the charts have no marks');
if (facts.rows < 1) failed.push('the records table is empty');
if (facts.tables < 2) failed.push(`${facts.tables} tables (the records and the stages at least)`);
if (!facts.embedded) failed.push('the report JSON is not embedded');
if (!facts.sorts) failed.push('sorting did not order the rows');
if (facts.filtered !== 0 || facts.unfiltered !== facts.rows) failed.push(`filtering: ${facts.filtered} / ${facts.unfiltered} of ${facts.rows}`);

console.log(JSON.stringify({ url, requests: requests.length, ...facts }, null, 1));
ws.close();
const exited = new Promise((ok) => chrome.on('exit', ok));
chrome.kill();
await exited;
try { rmSync(profile, { recursive: true, force: true }); } catch { /* a file chromium left behind */ }
if (failed.length) {
  console.error('FAILED:\n- ' + failed.join('\n- '));
  process.exit(1);
}
console.log(`ok: screenshot in ${shot}`);
process.exit(0);
