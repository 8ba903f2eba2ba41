// Shared by the end-to-end tests and the measurement script: a plain static server for dist/
// and Debian's headless Chromium driven by playwright-core.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const DIST = path.resolve(ROOT, process.env.DIST || 'dist');
export const OUT = path.resolve(ROOT, process.env.OUT || 'target/e2e');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
fs.mkdirSync(OUT, { recursive: true });

// --- A plain static server, like any host the site would be put on. -------------------------
// The site is served from a sub-path (SUBPATH, default /lab/fashion/), as on GitHub Pages: a
// request outside it is a 404 and is recorded in `outside`, so an absolute path in the build
// fails the tests. Extra routes under the sub-path stand in for broken dataset hosts:
//   corrupt/NAME      junk in place of every file
//   truncated/NAME    the first half of each file
//   wrong/NAME        the labels file in place of the images file (a valid gzip of the wrong kind)
//   flaky/TOKEN/NAME  the training images break off half-way the first time per TOKEN
//   stall/TOKEN/NAME  the training images stop half-way the first time per TOKEN, the
//                     connection left open (closed after 60 s)
//   slow/PATH         the site as usual, but the worker's wasm at ~6 MB/s (a slow link: 22 MB
//                     take ~4 s), in 256 KB pieces
export const SUBPATH = process.env.SUBPATH || '/lab/fashion/';
export const outside = [];
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.gz': 'application/gzip', '.png': 'image/png' };
const flakyDone = new Set();
const DATA = path.join(DIST, 'data');
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (!url.pathname.startsWith(SUBPATH)) {
    outside.push(url.pathname);
    res.writeHead(404, { 'content-type': 'text/html' });
    return res.end('<h1>404 Not Found</h1>');
  }
  const rel = decodeURIComponent(url.pathname.slice(SUBPATH.length));
  const gz = (bytes) => { res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': bytes.length }); res.end(bytes); };
  let m;
  if (rel.startsWith('corrupt/')) return gz(Buffer.from('this is not a gzip file at all'));
  if ((m = rel.match(/^truncated\/([\w.-]+\.gz)$/))) {
    const bytes = fs.readFileSync(path.join(DATA, m[1]));
    return gz(bytes.subarray(0, bytes.length >> 1));
  }
  if ((m = rel.match(/^wrong\/([\w.-]+\.gz)$/))) return gz(fs.readFileSync(path.join(DATA, m[1].replace('images-idx3', 'labels-idx1'))));
  if ((m = rel.match(/^(flaky|stall)\/(\w+)\/([\w.-]+\.gz)$/))) {
    const bytes = fs.readFileSync(path.join(DATA, m[3]));
    if (m[3].startsWith('train-images') && !flakyDone.has(m[2])) {
      flakyDone.add(m[2]);
      // Promise the whole file, send part of it, then drop the connection or fall silent.
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': bytes.length });
      const wait = m[1] === 'flaky' ? 200 : 60_000;
      res.write(bytes.subarray(0, bytes.length >> 1), () => setTimeout(() => res.socket.destroy(), wait).unref());
      return;
    }
    return gz(bytes);
  }
  const slow = rel.startsWith('slow/');
  let file = path.join(DIST, slow ? rel.slice('slow/'.length) : rel);
  if (!file.startsWith(DIST)) { res.writeHead(403); return res.end(); }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
  if (!fs.existsSync(file)) { res.writeHead(404, { 'content-type': 'text/html' }); return res.end('<h1>404 Not Found</h1>'); }
  const stat = fs.statSync(file);
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'content-length': stat.size });
  if (slow && /fashion-worker-.*_bg\.wasm$/.test(file)) {
    const bytes = fs.readFileSync(file);
    const PIECE = 1 << 18;
    const send = (at) => { if (at >= bytes.length) return res.end(); res.write(bytes.subarray(at, at + PIECE)); setTimeout(() => send(at + PIECE), 40); };
    return send(0);
  }
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
export const ORIGIN = `http://127.0.0.1:${server.address().port}`;
export const BASE = ORIGIN + SUBPATH;

// --expose-gc: the memory measurement collects garbage in the worker before reading its numbers.
const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--js-flags=--expose-gc'];
export const browsers = {};
// `camera`: Chromium's fake camera (a moving test pattern); whether the page may use it is the
// context's permission, so a context without it sees a refusal.
export async function browser(webgpu, camera = false) {
  const key = camera ? 'camera' : webgpu ? 'gpu' : 'nogpu';
  const args = camera ? [...BASE_ARGS, '--use-fake-device-for-media-stream'] : webgpu ? [...BASE_ARGS, '--enable-unsafe-webgpu'] : BASE_ARGS;
  // A browser that crashed (the WebGPU one did in CI during the WebGPU Stop test, cause not
  // found) is launched again, so one crash fails one test, not every test after it.
  if (!browsers[key]?.isConnected()) browsers[key] = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  return browsers[key];
}

// One CPU worker unless a test asks otherwise: on CI's two cores a helper worker brings no speed
// (README, "Every core") and would cost each test its start; the workers test asks for two, and
// a test of what a newcomer sees opens the page with `defaults` (no parameter added).
function oneWorker(query) {
  if (/[?&]workers=/.test(query)) return query;
  return query === '' ? '?workers=1' : query.startsWith('?') ? `${query}&workers=1` : query;
}

export async function open(query, { defaults = false, webgpu = false, camera = null, viewport = { width: 1280, height: 1400 }, at = 'index.html' } = {}) {
  const ctx = await (await browser(webgpu, camera !== null)).newContext({ viewport });
  if (camera === 'allow') await ctx.grantPermissions(['camera'], { origin: ORIGIN });
  const page = await ctx.newPage();
  // Every request the page and its worker make, and every Content-Security-Policy violation.
  const requests = [];
  ctx.on('request', (r) => requests.push(r.url()));
  page.requests = requests;
  await page.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  // Every phase #status passes through, in order, however briefly (window.__phases).
  await page.addInitScript(() => {
    window.__phases = [];
    new MutationObserver(() => {
      const p = document.getElementById('status')?.dataset.phase;
      if (p && window.__phases[window.__phases.length - 1] !== p) window.__phases.push(p);
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-phase'] });
  });
  const log = [];
  page.on('console', (m) => log.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
  page.on('worker', (w) => w.on('console', (m) => log.push(`[worker ${m.type()}] ${m.text()}`)));
  await page.goto(BASE + at + (defaults ? query : oneWorker(query)));
  return { page, ctx, log };
}

// One mouse stroke on the pad through `points` (fractions of its size), `steps` moves between
// each two of them.
export async function stroke(page, points, steps = 8) {
  // Fresh each time: clicks elsewhere may have scrolled the page.
  await page.locator('#sketch').scrollIntoViewIfNeeded();
  const box = await page.$eval('#sketch', (c) => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; });
  await page.mouse.move(box.x + points[0][0] * box.w, box.y + points[0][1] * box.h);
  await page.mouse.down();
  for (const [x, y] of points.slice(1)) await page.mouse.move(box.x + x * box.w, box.y + y * box.h, { steps });
  await page.mouse.up();
}

export const phaseOf = (page) => page.$eval('#status', (e) => e.dataset.phase);
export async function waitPhase(page, phases, timeoutMs) {
  await page.waitForFunction((ps) => ps.includes(document.querySelector('#status')?.dataset.phase), phases, { timeout: timeoutMs, polling: 250 });
  return phaseOf(page);
}
export const phasesSeen = (page) => page.evaluate(() => window.__phases);
export const attr = (page, sel, name) => page.$eval(sel, (e, n) => e.getAttribute(n), name);
export const text = (page, sel) => page.$eval(sel, (e) => e.textContent.trim());

export async function shutdown() {
  // Bounded: closing a crashed browser can wait forever, and CI must get the summary and exit.
  const closing = Promise.all(Object.values(browsers).map((b) => b.close().catch(() => {})));
  await Promise.race([closing, new Promise((r) => setTimeout(r, 10_000).unref())]);
  server.closeAllConnections();
  server.close();
}
