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
// Extra routes for fault tests: /corrupt/ serves junk in place of the dataset files.
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.gz': 'application/gzip', '.png': 'image/png' };
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/corrupt/')) {
    res.writeHead(200, { 'content-type': 'application/gzip' });
    return res.end(Buffer.from('this is not a gzip file at all'));
  }
  let file = path.join(DIST, decodeURIComponent(url.pathname));
  if (!file.startsWith(DIST)) { res.writeHead(403); return res.end(); }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
  if (!fs.existsSync(file)) { res.writeHead(404, { 'content-type': 'text/html' }); return res.end('<h1>404 Not Found</h1>'); }
  const stat = fs.statSync(file);
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'content-length': stat.size });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
export const BASE = `http://127.0.0.1:${server.address().port}/`;

const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const browsers = {};
export async function browser(webgpu) {
  const key = webgpu ? 'gpu' : 'nogpu';
  browsers[key] ??= await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: webgpu ? [...BASE_ARGS, '--enable-unsafe-webgpu'] : BASE_ARGS,
  });
  return browsers[key];
}

export async function open(query, { webgpu = false } = {}) {
  const ctx = await (await browser(webgpu)).newContext({ viewport: { width: 1280, height: 1400 } });
  const page = await ctx.newPage();
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
  await page.goto(BASE + 'index.html' + query);
  return { page, ctx, log };
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
  for (const b of Object.values(browsers)) await b.close();
  server.close();
}
