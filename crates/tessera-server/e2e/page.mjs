// End-to-end test of the tessera web page in headless Chromium.
//
//   node page.mjs <base-url> <seed-article-path> <screenshot-path>
//
// Opens the page served by `tessera serve` over the demo index, pastes the
// seed article, traces it and checks what the page shows. Exits 0 when every
// check passes, 1 with a message naming the failed check otherwise, 2 on a
// usage error. Uses Debian's chromium (env CHROMIUM, default
// /usr/bin/chromium): no browser is downloaded, nothing leaves the machine.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const T = 30_000; // every wait has this explicit limit
const WATCHDOG = 180_000; // the whole run, so that nothing ever hangs

const [base, seedPath, shotPath] = process.argv.slice(2);
if (!base || !seedPath || !shotPath) {
  console.error('usage: node page.mjs <base-url> <seed-article-path> <screenshot-path>');
  process.exit(2);
}
const origin = new URL(base).origin;
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

class CheckFailed extends Error {}
function check(cond, message) {
  if (!cond) throw new CheckFailed(message);
}
const step = (s) => console.log(`· ${s}`);

const watchdog = setTimeout(() => {
  console.error(`FAIL: the browser test did not finish within ${WATCHDOG / 1000} s`);
  process.exit(1);
}, WATCHDOG);
watchdog.unref();

/** The trace report, asked of the API directly (the page's expectations). */
async function traceReport(text, date) {
  const r = await fetch(`${origin}/v1/trace`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(date ? { text, id: 'article', date } : { text, id: 'article' }),
    signal: AbortSignal.timeout(T),
  });
  const body = await r.text();
  check(r.ok, `POST /v1/trace answered ${r.status}: ${body}`);
  return JSON.parse(body);
}

/** Text of each passage's highlights in the article view (passage number badges left out). */
async function highlightTexts(page) {
  return page.locator('[data-testid="article-text"]').evaluate((root) => {
    const byPassage = {};
    for (const m of root.querySelectorAll('mark[data-testid="highlight"]')) {
      const c = m.cloneNode(true);
      for (const n of c.querySelectorAll('.pnum')) n.remove();
      byPassage[m.dataset.passage] = (byPassage[m.dataset.passage] || '') + c.textContent;
    }
    const all = root.cloneNode(true);
    for (const n of all.querySelectorAll('.pnum')) n.remove();
    return { byPassage, whole: all.textContent };
  });
}

/** Checks that every passage is highlighted over exactly its code points. */
async function checkHighlights(page, report, text, what) {
  const cps = Array.from(text);
  const { byPassage, whole } = await highlightTexts(page);
  check(whole === text, `${what}: the article view does not reproduce the article text exactly`);
  report.passages.forEach((p, i) => {
    const want = cps.slice(p.query_offset, p.query_offset + p.query_length).join('');
    const got = byPassage[i] || '';
    check(got === want,
      `${what}: passage ${i + 1} highlights ${JSON.stringify(got.slice(0, 80))}…, expected ${JSON.stringify(want.slice(0, 80))}… (code points ${p.query_offset}..${p.query_offset + p.query_length})`);
  });
}

/** GET a JSON document of the API. */
async function apiGet(pathAndQuery) {
  const r = await fetch(`${origin}${pathAndQuery}`, { signal: AbortSignal.timeout(T) });
  const body = await r.text();
  check(r.ok, `GET ${pathAndQuery} answered ${r.status}: ${body}`);
  return JSON.parse(body);
}

/** POST /v1/trace with any body, asked of the API directly. */
async function apiTrace(body) {
  const r = await fetch(`${origin}/v1/trace`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(T),
  });
  const text = await r.text();
  check(r.ok, `POST /v1/trace answered ${r.status}: ${text}`);
  return JSON.parse(text);
}

/** Parses CSV (RFC 4180: quoted fields, doubled quotes, CRLF records). */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += c;
  }
  check(!quoted, 'the CSV ends inside a quoted field');
  check(field === '' && row.length === 0, 'the CSV does not end with CRLF');
  return rows;
}

/** Clicks a download button and returns the file's name and text. */
async function download(page, testid) {
  const [dl] = await Promise.all([
    page.waitForEvent('download', { timeout: T }),
    page.locator(`[data-testid="${testid}"]`).click(),
  ]).catch((e) => { throw new CheckFailed(`${testid}: no download started (${e.message.split('\n')[0]})`); });
  const file = await dl.path();
  return { name: dl.suggestedFilename(), text: fs.readFileSync(file, 'utf8') };
}

/** WCAG contrast ratio of two computed CSS colours (rgb()/rgba()). */
function contrast(a, b) {
  const lum = (css) => {
    const [r, g, bl] = css.match(/[\d.]+/g).slice(0, 3).map((x) => {
      const v = Number(x) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

async function waitForResults(page, queryLength) {
  // The results of this text, or the error the page shows.
  const done = page.locator(`#results[data-query-length="${queryLength}"]`);
  const error = page.locator('[data-testid="error"]');
  await Promise.race([
    done.waitFor({ state: 'visible', timeout: T }),
    error.waitFor({ state: 'visible', timeout: T }).then(async () => {
      throw new CheckFailed(`the page shows an error instead of results: ${await error.innerText()}`);
    }),
  ]).catch((e) => {
    if (e instanceof CheckFailed) throw e;
    throw new CheckFailed(`no results appeared within ${T / 1000} s (${e.message.split('\n')[0]})`);
  });
}

async function main() {
  const seed = fs.readFileSync(seedPath, 'utf8');
  check(fs.existsSync(executablePath), `no Chromium at ${executablePath}: apt-get install -y chromium (or set CHROMIUM)`);
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-e2e-chromium-'));
  const problems = []; // console errors, page errors, failed or refused requests
  let watching = true;
  const problem = (s) => { if (watching) problems.push(s); };

  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    timeout: T,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  try {
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(T);
    page.setDefaultNavigationTimeout(T);
    page.on('console', (m) => { if (m.type() === 'error') problem(`console error: ${m.text()}`); });
    page.on('pageerror', (e) => problem(`uncaught exception in the page: ${e.message}`));
    page.on('requestfailed', (r) => problem(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => { if (r.status() >= 400) problem(`HTTP ${r.status()} for ${r.request().method()} ${r.url()}`); });
    page.on('request', (r) => {
      const u = r.url();
      if (!u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:')) problem(`request outside the server: ${u}`);
    });

    step(`open ${base}`);
    const resp = await page.goto(base, { waitUntil: 'load', timeout: T });
    check(resp && resp.ok(), `GET ${base} answered ${resp && resp.status()}`);
    await page.getByRole('textbox', { name: 'Article text' }).waitFor({ state: 'visible' });
    await page.locator('[data-testid="index-info"]').filter({ hasText: 'documents' }).waitFor({ timeout: T })
      .catch(() => { throw new CheckFailed('the page does not show the index size from /v1/health'); });

    // ------------------------------------------------------------ the seed article
    step('paste the seed article and press Trace');
    const expected = await traceReport(seed);
    await page.fill('[data-testid="article-input"]', seed);
    await page.click('[data-testid="trace-button"]');
    await waitForResults(page, expected.query_length);

    step('summary');
    const nPassages = await page.locator('[data-testid="passage"]').count();
    check(nPassages >= 5, `at least 5 passages expected, the page shows ${nPassages}`);
    check(nPassages === expected.passages.length, `the page shows ${nPassages} passages, the API reports ${expected.passages.length}`);
    const found = (await page.locator('[data-testid="coverage-found"]').innerText()).replace(/\s+/g, ' ');
    const wantFound = `${(100 * expected.coverage).toFixed(1)}%`;
    check(found.includes(wantFound), `the summary shows "${found}", expected the share found elsewhere ${wantFound}`);
    const original = await page.locator('[data-testid="coverage-original"]').innerText();
    check(original.includes(`${(100 * expected.original_share).toFixed(1)}%`), `the summary's original share is "${original}"`);
    const pCount = await page.locator('[data-testid="passage-count"]').innerText();
    check(pCount.includes(String(nPassages)), `the summary's passage count is "${pCount}", expected ${nPassages}`);
    const sCount = await page.locator('[data-testid="source-count"]').innerText();
    check(sCount.includes(String(expected.sources.length)), `the summary's source count is "${sCount}"`);

    step('sources');
    for (const id of ['standin-afp', 'standin-reuters', 'standin-ani']) {
      const s = page.locator(`[data-testid="source"][data-source-id="${id}"]`);
      check(await s.count() === 1, `source ${id} is not in the sources list`);
      check(await s.isVisible(), `source ${id} is not visible`);
      check((await s.innerText()).includes(id), `source ${id}'s entry does not name it`);
    }

    step('substitutions');
    const sub = page.locator('[data-testid="substitution"]').filter({ hasText: 'Russian Federation' });
    check(await sub.count() >= 1, 'no substitution naming "Russian Federation" is shown');
    const subText = (await sub.first().innerText()).replace(/\s+/g, ' ');
    check(/\bRussia\b.*\bRussian Federation\b/.test(subText), `the substitution reads "${subText}", expected Russia → Russian Federation`);
    check(/(×|x|\*)\s*4\b/.test(subText), `the substitution "${subText}" does not show the count 4`);

    step('article highlights');
    const marks = page.locator('[data-testid="article-text"] mark[data-testid="highlight"]');
    check(await marks.count() >= 5, `expected at least 5 highlighted passages in the article, found ${await marks.count()}`);
    check(await marks.first().isVisible(), 'the first highlight of the article is not visible');
    await checkHighlights(page, expected, seed, 'seed article');
    const subMarks = page.locator('[data-testid="article-text"] .edit-sub').filter({ hasText: 'Russian Federation' });
    check(await subMarks.count() === 4, `expected 4 marked replacements "Russian Federation" in the article, found ${await subMarks.count()}`);

    step('colours match between the sources list, the article and the passages');
    const colours = await page.evaluate(() => {
      const out = {};
      for (const li of document.querySelectorAll('[data-testid="source"]')) {
        const id = li.dataset.sourceId;
        const mark = document.querySelector(`[data-testid="article-text"] mark[data-source-id="${CSS.escape(id)}"]`);
        const card = document.querySelector(`[data-testid="passage"][data-source-id="${CSS.escape(id)}"]`);
        out[id] = {
          list: getComputedStyle(li).borderLeftColor,
          mark: mark && getComputedStyle(mark).borderBottomColor,
          card: card && getComputedStyle(card).borderLeftColor,
        };
      }
      return out;
    });
    const seen = new Set();
    for (const [id, c] of Object.entries(colours)) {
      check(c.list === c.mark && c.list === c.card, `source ${id} has different colours: list ${c.list}, article ${c.mark}, passage ${c.card}`);
      check(!seen.has(c.list), `two sources share the colour ${c.list}`);
      seen.add(c.list);
    }

    step('passages side by side');
    await page.locator('[data-testid="passage-source"] .loading').first().waitFor({ state: 'detached', timeout: T })
      .catch(() => { throw new CheckFailed('the source column of the passages never finished loading'); });
    check(await page.locator('[data-testid="passage-source"] .loading').count() === 0, 'some source columns are still loading');
    for (const [i, p] of expected.passages.entries()) {
      const card = page.locator(`#passage-${i + 1}`);
      const src = (await card.locator('[data-testid="passage-source"]').innerText()).trim();
      check(src.length > 0, `passage ${i + 1} shows no source text`);
      check(await card.locator('[data-testid="score"]').innerText() === `score ${p.score.toFixed(2)}`, `passage ${i + 1} does not show its score ${p.score}`);
    }
    const reuters = page.locator('[data-testid="passage"][data-source-id="standin-reuters"]').first();
    check(await reuters.locator('[data-testid="passage-article"] .edit-sub').filter({ hasText: 'Russian Federation' }).count() >= 1,
      'the Reuters passage does not mark "Russian Federation" in the article column');
    check(await reuters.locator('[data-testid="passage-source"] .edit-sub').filter({ hasText: /^Russia$/ }).count() >= 1,
      'the Reuters passage does not mark "Russia" in the source column');

    step('earliest source and alternatives of the AFP passage');
    const afp = page.locator('[data-testid="passage"][data-source-id="standin-afp"]');
    check(await afp.count() >= 1, 'no passage from standin-afp');
    const earliest = afp.first().locator('[data-testid="earliest"]');
    check(await earliest.isVisible(), 'the AFP passage does not show its earliest source');
    const earliestText = await earliest.innerText();
    const wantEarliest = expected.passages.find((p) => p.source_id === 'standin-afp').earliest.source_id;
    check(earliestText.includes(wantEarliest) && await earliest.getAttribute('data-source-id') === wantEarliest,
      `the AFP passage's earliest source reads "${earliestText}", expected ${wantEarliest}`);
    const alt = afp.first().locator('[data-testid="alternative"][data-source-id="standin-aggregator"]');
    check(await alt.count() === 1 && await alt.isVisible(), 'standin-aggregator is not shown as an alternative of the AFP passage');
    check((await alt.innerText()).includes('standin-aggregator'), 'the alternative does not name standin-aggregator');

    step('open the full text of standin-reuters');
    await page.locator('[data-testid="source"][data-source-id="standin-reuters"] [data-testid="open-source"]').click();
    const dialog = page.locator('[data-testid="source-dialog"]');
    await dialog.waitFor({ state: 'visible', timeout: T });
    await dialog.locator('[data-testid="source-text"]').filter({ hasText: 'Russia would confine air strikes' }).waitFor({ timeout: T })
      .catch(() => { throw new CheckFailed('the full text of standin-reuters does not contain "Russia would confine air strikes"'); });
    const srcMarks = dialog.locator('[data-testid="source-text"] mark');
    const wantMarks = expected.passages.filter((p) => p.source_id === 'standin-reuters').length;
    check(await srcMarks.count() >= wantMarks, `the full text highlights ${await srcMarks.count()} spans, expected ${wantMarks}`);
    const dialogColour = await srcMarks.first().evaluate((m) => getComputedStyle(m).borderBottomColor);
    check(dialogColour === colours['standin-reuters'].list, `the full text is highlighted in ${dialogColour}, the source's colour is ${colours['standin-reuters'].list}`);
    await page.screenshot({ path: shotPath.replace(/(\.png)?$/i, '-source.png'), timeout: T });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden', timeout: T });

    step('no console errors, no failed requests');
    check(problems.length === 0, `the page had problems:\n  ${problems.join('\n  ')}`);

    step(`screenshot ${shotPath}`);
    fs.mkdirSync(path.dirname(path.resolve(shotPath)), { recursive: true });
    await page.evaluate(() => { if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0); });
    await page.screenshot({ path: shotPath, fullPage: true, timeout: T });

    // ------------------------------------------------------------ exports
    step('JSON download: the report of the API');
    const json = await download(page, 'download-json');
    check(json.name === 'article.trace.json', `the JSON download is named ${json.name}`);
    check(JSON.stringify(JSON.parse(json.text)) === JSON.stringify(expected), 'the JSON download differs from the API\'s report');

    step('CSV download: one row per passage, quoted where needed');
    const csv = await download(page, 'download-csv');
    check(csv.name === 'article.trace.csv', `the CSV download is named ${csv.name}`);
    const rows = parseCsv(csv.text);
    const header = rows[0];
    for (const col of ['query_offset', 'query_length', 'source_id', 'source_title', 'source_outlet', 'source_date', 'source_offset', 'source_length', 'score', 'substitutions', 'edits', 'text']) {
      check(header.includes(col), `the CSV has no column ${col}: ${header.join(',')}`);
    }
    check(rows.length === expected.passages.length + 1, `the CSV has ${rows.length - 1} rows, the report ${expected.passages.length} passages`);
    const col = (r, name) => r[header.indexOf(name)];
    const seedCps = Array.from(seed);
    expected.passages.forEach((p, i) => {
      const r = rows[i + 1];
      check(r.length === header.length, `CSV row ${i + 1} has ${r.length} fields, the header ${header.length}`);
      check(Number(col(r, 'query_offset')) === p.query_offset && Number(col(r, 'query_length')) === p.query_length
        && col(r, 'source_id') === p.source_id && Number(col(r, 'source_offset')) === p.source_offset
        && Number(col(r, 'score')) === p.score && col(r, 'source_date') === (p.source_date || ''),
      `CSV row ${i + 1} does not match passage ${i + 1}: ${r.slice(0, 10).join(' | ')}`);
      check(col(r, 'text') === seedCps.slice(p.query_offset, p.query_offset + p.query_length).join(''), `CSV row ${i + 1}: the text column is not the passage`);
      check(Number(col(r, 'substitutions')) === p.edits.filter((e) => e.op === 'sub').length, `CSV row ${i + 1}: wrong count of substitutions`);
    });
    check(rows.some((r) => col(r, 'edits').includes('Russia -> Russian Federation')), 'no CSV row lists the edit Russia -> Russian Federation');
    check(/,"[^"]*,/.test(csv.text), 'no CSV field with a comma is quoted');

    step('HTML export: a self-contained page with the passages, sources, coverage and edits');
    const exported = await download(page, 'download-html');
    check(exported.name === 'article.trace.html', `the HTML export is named ${exported.name}`);
    const x = exported.text;
    check(/^<!doctype html>/i.test(x) && x.includes('<style>'), 'the HTML export is not a styled HTML document');
    for (const bad of ['<script', '<link', ' src=', 'href="http', "href='http", 'url(', '@import']) {
      check(!x.toLowerCase().includes(bad), `the HTML export contains ${bad} (it must not fetch anything)`);
    }
    for (const s of expected.sources) check(x.includes(s.source_id), `the HTML export does not name source ${s.source_id}`);
    check(x.includes(`${(100 * expected.coverage).toFixed(1)}%`), 'the HTML export does not show the coverage');
    const offline = await context.newPage();
    const fetched = [];
    offline.on('request', (r) => { if (!r.url().startsWith('about:') && !r.url().startsWith('data:')) fetched.push(r.url()); });
    await context.setOffline(true);
    await offline.setContent(x, { waitUntil: 'load', timeout: T });
    const shown = await offline.evaluate(() => {
      const art = document.querySelector('[data-part="article"] .text').cloneNode(true);
      for (const n of art.querySelectorAll('.pnum')) n.remove();
      return {
        article: art.textContent,
        marks: document.querySelectorAll('[data-part="article"] mark.hl').length,
        passages: document.querySelectorAll('article.passage').length,
        subs: [...document.querySelectorAll('[data-part="article"] .edit-sub')].map((e) => e.textContent),
        sources: [...document.querySelectorAll('[data-part="sources"] tr[data-source-id]')].map((e) => e.dataset.sourceId),
        sourceCols: [...document.querySelectorAll('article.passage .col-source .text')].map((e) => e.textContent),
        markColour: getComputedStyle(document.querySelector('mark.hl')).borderBottomColor,
      };
    });
    await context.setOffline(false);
    check(fetched.length === 0, `the HTML export made requests: ${fetched.join(', ')}`);
    check(shown.article === seed, 'the HTML export does not reproduce the article text exactly');
    check(shown.passages === expected.passages.length, `the HTML export shows ${shown.passages} passages, expected ${expected.passages.length}`);
    check(shown.marks >= expected.passages.length, 'the HTML export does not highlight every passage');
    check(shown.subs.filter((t) => t === 'Russian Federation').length === 4, `the HTML export marks ${shown.subs.length} replacements, expected "Russian Federation" 4 times`);
    check(JSON.stringify(shown.sources) === JSON.stringify(expected.sources.map((s) => s.source_id)), `the HTML export lists the sources ${shown.sources}`);
    check(shown.sourceCols.every((t) => t.trim().length > 0), 'a passage of the HTML export has no source text');
    check(shown.markColour !== 'rgba(0, 0, 0, 0)', 'the highlights of the HTML export have no colour');
    await offline.close();
    check(problems.length === 0, `the page had problems:\n  ${problems.join('\n  ')}`);

    // ------------------------------------------------------------ browse and permalinks
    step('browse the index: ids and titles in id order, a prefix narrows the list');
    const listed = await apiGet('/v1/documents?limit=50');
    check(listed.documents.length >= 5, `the index lists ${listed.documents.length} documents`);
    await page.locator('[data-testid="browse"] summary').click();
    const items = page.locator('[data-testid="doc-item"]');
    await items.first().waitFor({ state: 'visible', timeout: T })
      .catch(() => { throw new CheckFailed('opening "Browse the index" lists no document'); });
    const ids = await items.evaluateAll((ls) => ls.map((l) => l.dataset.id));
    check(JSON.stringify(ids) === JSON.stringify(listed.documents.map((d) => d.id)), `the page lists ${ids.slice(0, 5)}…, the API ${listed.documents.slice(0, 5).map((d) => d.id)}…`);
    const withTitle = listed.documents.find((d) => d.title);
    if (withTitle) {
      check((await page.locator(`[data-testid="doc-item"][data-id="${withTitle.id}"]`).innerText()).includes(withTitle.title), `the title of ${withTitle.id} is not shown`);
    }
    const standins = await apiGet('/v1/documents?prefix=standin-&limit=1000');
    check(standins.documents.length >= 3, 'the demo index has no standin-* documents');
    await page.fill('[data-testid="browse-prefix"]', 'standin-');
    await page.waitForFunction((n) => {
      const li = [...document.querySelectorAll('[data-testid="doc-item"]')];
      return li.length === n && li.every((l) => l.dataset.id.startsWith('standin-'));
    }, standins.documents.length, { timeout: T }).catch(() => { throw new CheckFailed('typing a prefix does not narrow the list to its ids'); });

    step('search ids and titles: a word of a title, in another case');
    const titled = standins.documents.find((d) => d.title && /\w{4,}/.test(d.title));
    check(titled, 'no stand-in document has a title');
    const word = titled.title.match(/\w{4,}/)[0].toUpperCase();
    const searched = await apiGet(`/v1/documents?q=${encodeURIComponent(word)}&limit=50`);
    check(searched.documents.some((d) => d.id === titled.id), `searching "${word}" does not find ${titled.id}`);
    await page.fill('[data-testid="browse-prefix"]', '');
    await page.fill('[data-testid="browse-q"]', word);
    await page.waitForFunction((want) => {
      const li = [...document.querySelectorAll('[data-testid="doc-item"]')].map((l) => l.dataset.id);
      return JSON.stringify(li) === JSON.stringify(want);
    }, searched.documents.map((d) => d.id), { timeout: T }).catch(() => { throw new CheckFailed(`searching "${word}" does not list what the API finds`); });
    for (const d of searched.documents) {
      check(`${d.id} ${d.title || ''}`.toLowerCase().includes(word.toLowerCase()), `searching "${word}" lists ${d.id}, which does not contain it`);
    }
    await page.fill('[data-testid="browse-q"]', '');
    await page.fill('[data-testid="browse-prefix"]', 'standin-');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="doc-item"]').length === n
      && [...document.querySelectorAll('[data-testid="doc-item"]')].every((l) => l.dataset.id.startsWith('standin-')),
    standins.documents.length, { timeout: T });

    step('choose an id: its trace, and the URL becomes its permalink');
    let target = null;
    for (const d of standins.documents) {
      const r = await apiTrace({ document_id: d.id });
      if (r.passages.length) { target = { id: d.id, report: r }; break; }
    }
    check(target, 'no stand-in document has a passage from another one');
    const targetDoc = await apiGet(`/v1/documents/${encodeURIComponent(target.id)}`);
    await page.locator(`[data-testid="doc-item"][data-id="${target.id}"] [data-testid="doc-trace"]`).click();
    await waitForResults(page, target.report.query_length);
    await checkHighlights(page, target.report, targetDoc.text, `document ${target.id}`);
    check(new URL(page.url()).searchParams.get('doc') === target.id, `after tracing ${target.id} the address is ${page.url()}`);
    const link = page.locator('[data-testid="permalink"]');
    check(new URL(await link.getAttribute('href'), page.url()).searchParams.get('doc') === target.id, 'the report has no link to itself');

    step('open the permalink in a fresh page: the document is traced on load');
    const linkPage = await context.newPage();
    linkPage.on('pageerror', (e) => problem(`uncaught exception in the permalink page: ${e.message}`));
    linkPage.on('console', (m) => { if (m.type() === 'error') problem(`console error in the permalink page: ${m.text()}`); });
    const linkUrl = `${base.replace(/\/$/, '')}/?doc=${encodeURIComponent(target.id)}`;
    await linkPage.goto(linkUrl, { waitUntil: 'load', timeout: T });
    await waitForResults(linkPage, target.report.query_length);
    await checkHighlights(linkPage, target.report, targetDoc.text, `permalink of ${target.id}`);
    check(await linkPage.locator('[data-testid="passage"]').count() === target.report.passages.length, 'the permalink shows another number of passages than the API');
    await linkPage.close();
    const missing = await context.newPage();
    watching = false; // the 404 below is expected
    await missing.goto(`${base.replace(/\/$/, '')}/?doc=no-such-document`, { waitUntil: 'load', timeout: T });
    await missing.locator('[data-testid="error"]').filter({ hasText: 'no-such-document' }).waitFor({ timeout: T })
      .catch(() => { throw new CheckFailed('a permalink to an unknown document shows no error naming it'); });
    await missing.close();
    watching = true;

    step('tracing pasted text again drops the permalink');
    await page.fill('[data-testid="article-input"]', seed);
    await page.click('[data-testid="trace-button"]');
    await waitForResults(page, expected.query_length);
    check(!new URL(page.url()).searchParams.has('doc'), `after a pasted trace the address is still ${page.url()}`);
    check(await page.locator('[data-testid="permalink"]').count() === 0, 'a pasted article\'s report offers a permalink');
    check(problems.length === 0, `the page had problems:\n  ${problems.join('\n  ')}`);

    // ------------------------------------------------------------ the article's date
    step('with a publication date, documents published later are later copies, not sources');
    const early = '2016-07-14';
    const expectedEarly = await traceReport(seed, early);
    check(expectedEarly.passages.length === 0 && expectedEarly.later_copies.length >= 3,
      `dated ${early}, the API reports ${expectedEarly.passages.length} passages and ${(expectedEarly.later_copies || []).length} later copies`);
    await page.fill('[data-testid="date-input"]', early);
    await page.click('[data-testid="trace-button"]');
    await waitForResults(page, expectedEarly.query_length);
    await page.locator('[data-testid="no-passages"]').waitFor({ state: 'visible', timeout: T })
      .catch(() => { throw new CheckFailed('dated before every stand-in, the page still shows passages'); });
    const later = page.locator('[data-testid="later-copy"]');
    check(await later.count() === expectedEarly.later_copies.length,
      `the page lists ${await later.count()} later copies, the API ${expectedEarly.later_copies.length}`);
    check(await later.first().isVisible(), 'the later copies are not visible');
    check(await later.first().getAttribute('data-source-id') === expectedEarly.later_copies[0].source_id,
      'the first later copy is not the one the API lists first');
    check((await page.locator('[data-testid="query-date"]').innerText()).includes('published'),
      'the summary does not show the article\'s date');
    check(await page.locator('[data-testid="source"]').count() === 0, 'a later document is listed as a source');
    await page.fill('[data-testid="date-input"]', '');
    check(problems.length === 0, `the page had problems:\n  ${problems.join('\n  ')}`);

    // ------------------------------------------------------------ characters outside the BMP
    step('characters outside the BMP (emoji, CJK extension B) before the article');
    const astral = `😀 𠀀𠀁 Emoji 👍🏽 and rare CJK: 𪚥.\n${seed}`;
    const expectedAstral = await traceReport(astral);
    check(expectedAstral.passages.length === expected.passages.length, 'the astral prefix changed the trace (unexpected)');
    await page.fill('[data-testid="article-input"]', astral);
    await page.click('[data-testid="trace-button"]');
    await waitForResults(page, expectedAstral.query_length);
    await checkHighlights(page, expectedAstral, astral, 'article with astral characters');
    check(problems.length === 0, `the page had problems:\n  ${problems.join('\n  ')}`);

    // ------------------------------------------------------------ an HTML file
    step('drop an .html file: the server extracts it (the extractor of the CLI) and traces it');
    const appJs = await (await fetch(`${origin}/assets/app.js`, { signal: AbortSignal.timeout(T) })).text();
    check(!appJs.includes('DOMParser'), 'the page still extracts HTML itself');
    const paragraphs = seed.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
    const html = '<!doctype html><html><head><title>Page title</title><style>p{color:red}</style>'
      + '<script>window.bad = 1</script></head><body><nav>Home | World | Sport</nav><article>'
      + paragraphs.map((p) => `<p>${p.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`).join('\n')
      + '</article><footer>Copyright</footer><img src="/nowhere.png"></body></html>';
    const fromApi = await apiTrace({ html, id: 'story.html' });
    check(typeof fromApi.query_text === 'string' && fromApi.passages.length >= 5, 'the API does not trace the page');
    await page.fill('[data-testid="title-input"]', '');
    await page.fill('[data-testid="date-input"]', '');
    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/trace') && r.method() === 'POST', { timeout: T });
    await page.evaluate((content) => {
      const dt = new DataTransfer();
      dt.items.add(new File([content], 'story.html', { type: 'text/html' }));
      const target = document.querySelector('[data-testid="summary"]');
      target.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, html);
    const request = await sent;
    const posted = request.postDataJSON();
    check(posted.html === html && posted.text === undefined, `the page sent ${JSON.stringify(Object.keys(posted))} instead of the page as html`);
    await waitForResults(page, fromApi.query_length);
    await checkHighlights(page, fromApi, fromApi.query_text, 'dropped .html file');
    check(await page.inputValue('[data-testid="article-input"]') === fromApi.query_text, 'the text box does not show the text the server extracted');
    check(await page.inputValue('[data-testid="title-input"]') === 'Page title', 'the .html file\'s title was not taken');
    check(await page.locator('[data-testid="passage"]').count() === fromApi.passages.length, 'the dropped page shows another number of passages than the API');
    check(await page.evaluate(() => window.bad === undefined), 'a script of the dropped .html file ran');
    const pageJson = JSON.parse((await download(page, 'download-json')).text);
    check(pageJson.query_text === fromApi.query_text && pageJson.passages.length === fromApi.passages.length,
      'the JSON download of a dropped page does not carry the extracted text its offsets count');
    check(problems.length === 0, `the page had problems:\n  ${problems.join('\n  ')}`);

    step('drop a .txt file onto the page');
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['Dropped 𠀀 text\nsecond line'], 'dropped.txt', { type: 'text/plain' }));
      const target = document.querySelector('[data-testid="summary"]');
      target.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.locator('#file-name').filter({ hasText: 'dropped.txt' }).waitFor({ timeout: T })
      .catch(() => { throw new CheckFailed('dropping a .txt file did not load it'); });
    const dropped = await page.inputValue('[data-testid="article-input"]');
    check(dropped === 'Dropped 𠀀 text\nsecond line', `the dropped file became ${JSON.stringify(dropped)}`);
    check(await page.locator('#drop-overlay').isHidden(), 'the drop overlay stays visible after the drop');

    // ------------------------------------------------------------ dark colour scheme
    step('dark colour scheme when the system asks for it');
    const looks = () => page.evaluate(() => {
      const cs = (sel, prop) => { const e = document.querySelector(sel); return e && getComputedStyle(e)[prop]; };
      return {
        ground: cs('body', 'backgroundColor'), ink: cs('body', 'color'),
        card: cs('.card', 'backgroundColor'), cardInk: cs('.card', 'color'),
        mark: cs('[data-testid="article-text"] mark.hl', 'backgroundColor'), markInk: cs('[data-testid="article-text"] mark.hl', 'color'),
        sub: cs('[data-testid="article-text"] .edit-sub', 'backgroundColor'), subInk: cs('[data-testid="article-text"] .edit-sub', 'color'),
        col: cs('[data-testid="passage"] .col-article', 'backgroundColor'), colInk: cs('[data-testid="passage-article"]', 'color'),
        input: cs('[data-testid="article-input"]', 'backgroundColor'), inputInk: cs('[data-testid="article-input"]', 'color'),
      };
    });
    const light = await looks();
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await looks();
    check(contrast(dark.ground, 'rgb(0, 0, 0)') < 1.5, `in the dark scheme the page background is ${dark.ground}`);
    check(dark.ground !== light.ground && dark.card !== light.card, 'the dark scheme changes no background');
    for (const [what, fg, bg] of [['text', dark.cardInk, dark.card], ['highlight', dark.markInk, dark.mark],
      ['replaced word', dark.subInk, dark.sub], ['passage column', dark.colInk, dark.col], ['text box', dark.inputInk, dark.input]]) {
      check(contrast(fg, bg) >= 4.5, `in the dark scheme the ${what} is ${fg} on ${bg} (contrast ${contrast(fg, bg).toFixed(2)}, below 4.5)`);
    }
    check(contrast(light.cardInk, light.card) >= 4.5 && contrast(light.markInk, light.mark) >= 4.5, 'the light scheme lost its contrast');
    await page.screenshot({ path: shotPath.replace(/(\.png)?$/i, '-dark.png'), fullPage: true, timeout: T });
    await page.emulateMedia({ colorScheme: 'light' });
    check((await looks()).ground === light.ground, 'back in the light scheme the background stays dark');

    // ------------------------------------------------------------ narrow window
    step('narrow window: the columns stack, nothing overflows');
    await page.setViewportSize({ width: 380, height: 800 });
    const layout = await page.evaluate(() => {
      const card = document.querySelector('[data-testid="passage"]');
      const a = card.querySelector('[data-testid="passage-article"]').getBoundingClientRect();
      const s = card.querySelector('[data-testid="passage-source"]').getBoundingClientRect();
      const root = document.documentElement;
      return { stacked: s.top >= a.bottom - 1, overflow: root.scrollWidth - root.clientWidth };
    });
    check(layout.stacked, 'in a 380 px window the article and source columns of a passage are not stacked');
    check(layout.overflow <= 0, `in a 380 px window the page is ${layout.overflow} px wider than the window`);
    await page.screenshot({ path: shotPath.replace(/(\.png)?$/i, '-narrow.png'), fullPage: true, timeout: T });
    await page.setViewportSize({ width: 1280, height: 900 });

    // ------------------------------------------------------------ waiting and errors
    step('waiting message and API error (Ctrl+Enter, the server answers 503)');
    watching = false; // the 503 below is logged by Chromium on purpose
    let release;
    const held = new Promise((r) => { release = r; });
    await page.route('**/v1/trace', async (route) => {
      await held;
      await route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'busy', message: 'test: 4 traces are running; retry later' } }),
      });
    });
    await page.locator('[data-testid="article-input"]').focus();
    await page.keyboard.press('Control+Enter');
    const status = page.locator('[data-testid="status"]');
    await status.waitFor({ state: 'visible', timeout: T })
      .catch(() => { throw new CheckFailed('no waiting message while the trace runs'); });
    check(/Tracing/.test(await status.innerText()), `the waiting message reads "${await status.innerText()}"`);
    check(await page.locator('[data-testid="trace-button"]').isDisabled(), 'the Trace button is not disabled while tracing');
    release();
    const error = page.locator('[data-testid="error"]');
    await error.waitFor({ state: 'visible', timeout: T })
      .catch(() => { throw new CheckFailed('no error message after the API answered 503'); });
    const errorText = await error.innerText();
    check(errorText.includes('test: 4 traces are running; retry later'), `the error message reads "${errorText}"`);
    await status.waitFor({ state: 'hidden', timeout: T });
    check(await page.locator('[data-testid="trace-button"]').isEnabled(), 'the Trace button stays disabled after an error');
    await page.unroute('**/v1/trace');

    console.log(`PASS: ${nPassages} passages, ${expected.sources.length} sources; screenshot ${shotPath}`);
  } finally {
    await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

main().then(
  () => {
    clearTimeout(watchdog);
    process.exit(0);
  },
  (e) => {
    console.error(`FAIL: ${e instanceof CheckFailed ? e.message : (e && e.stack) || e}`);
    process.exit(1);
  },
);
