// tessera web page: trace an article and show where its passages came from.
//
// Plain JavaScript, no dependencies. Every piece of text that comes from the
// user or the server is inserted with textContent / DOM nodes, never as HTML.
// Offsets in the API are Unicode code points; texts are handled as arrays of
// code points (Array.from) so highlights stay exact outside the BMP.
'use strict';

(() => {
  // ---------------------------------------------------------------- helpers

  const $ = (id) => document.getElementById(id);

  /** Builds an element. props: class, text, testid, title, attrs, data, style, on. */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      if (props.class) e.className = props.class;
      if (props.text !== undefined && props.text !== null) e.textContent = String(props.text);
      if (props.testid) e.dataset.testid = props.testid;
      if (props.title) e.title = props.title;
      if (props.attrs) for (const [k, v] of Object.entries(props.attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
      if (props.data) for (const [k, v] of Object.entries(props.data)) if (v !== undefined && v !== null) e.dataset[k] = String(v);
      if (props.style) for (const [k, v] of Object.entries(props.style)) e.style.setProperty(k, v);
      if (props.on) for (const [k, v] of Object.entries(props.on)) e.addEventListener(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  const pct = (x) => `${(100 * (Number(x) || 0)).toFixed(1)}%`;
  const num = (n) => Number(n).toLocaleString('en');
  const plural = (n, one, many) => `${num(n)} ${n === 1 ? one : (many || one + 's')}`;
  const clamp = (x, lo, hi) => Math.max(lo, Math.min(hi, x));
  const reducedMotion = () => window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;

  /** "2016-07-14T20:00:00Z" → "2016-07-14 20:00 UTC"; anything else as given. */
  function fmtDate(d) {
    if (!d) return '';
    const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(d);
    if (!m) return d;
    if (!m[2]) return m[1];
    const zone = !m[3] ? '' : (m[3] === 'Z' || /^[+-]00:?00$/.test(m[3]) ? ' UTC' : ` ${m[3]}`);
    return `${m[1]} ${m[2]}${zone}`;
  }

  function timeEl(d) {
    return d ? el('time', { text: fmtDate(d), attrs: { datetime: d } }) : null;
  }

  function scrollToEl(e) {
    e.scrollIntoView({ behavior: reducedMotion() ? 'auto' : 'smooth', block: 'center' });
  }

  function flash(e) {
    e.classList.remove('flash');
    void e.offsetWidth; // restart the animation
    e.classList.add('flash');
  }

  // ---------------------------------------------------------------- colours

  // Light fills (dark text stays readable on them, contrast > 10:1) and a
  // strong companion colour for borders, swatches and bars.
  const PALETTE = [
    { bg: '#cfe2ff', fg: '#1d4ed8' }, // blue
    { bg: '#ffd9b3', fg: '#c2410c' }, // orange
    { bg: '#c6efcf', fg: '#15803d' }, // green
    { bg: '#e8d5ff', fg: '#7e22ce' }, // purple
    { bg: '#ffd0db', fg: '#be123c' }, // crimson
    { bg: '#bfeef0', fg: '#0f766e' }, // teal
    { bg: '#fff0a0', fg: '#a16207' }, // yellow
    { bg: '#ecd9c6', fg: '#7c4a1e' }, // brown
    { bg: '#dde3ec', fg: '#475569' }, // slate
    { bg: '#e0f5ad', fg: '#4d7c0f' }, // lime
  ];

  function colourFor(i) {
    if (i < PALETTE.length) return PALETTE[i];
    const h = Math.round((i * 137.508) % 360);
    return { bg: `hsl(${h} 85% 87%)`, fg: `hsl(${h} 70% 30%)` };
  }

  const colourStyle = (c) => ({ '--c-bg': c.bg, '--c-fg': c.fg });

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(message, code, status) {
      super(message);
      this.code = code;
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const init = { method, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, init);
    } catch (e) {
      throw new ApiError(`Could not reach the tessera server (${e.message}). Is it still running?`, 'network', 0);
    }
    let data = null;
    const raw = await resp.text();
    try {
      data = raw ? JSON.parse(raw) : null;
    } catch (_) {
      data = null;
    }
    if (!resp.ok) {
      const err = data && data.error;
      if (err && err.message) throw new ApiError(err.message, err.code || 'error', resp.status);
      throw new ApiError(`The server answered ${resp.status} ${resp.statusText || ''}`.trim(), 'http', resp.status);
    }
    if (data === null) throw new ApiError('The server sent an answer that is not JSON.', 'invalid', resp.status);
    return data;
  }

  const docCache = new Map();

  /** The full text and metadata of an indexed document (cached; text as code points). */
  function getDocument(id) {
    if (!docCache.has(id)) {
      const p = api('GET', `/v1/documents/${encodeURIComponent(id)}`).then((d) => {
        d.cps = Array.from(d.text || '');
        return d;
      });
      p.catch(() => docCache.delete(id));
      docCache.set(id, p);
    }
    return docCache.get(id);
  }

  // ---------------------------------------------------------------- marked text

  /**
   * Fills `container` with cps[from..to), wrapping spans.
   * outers: [{start, end, make()}] outer wrappers (passages); the first covering wins.
   * inners: [{start, end, make()}] inner wrappers (edits); the first covering wins.
   * points: [{at, make()}] zero-width markers (deletions, insertion points).
   */
  function buildMarkedText(container, cps, from, to, outers, inners, points) {
    from = clamp(from, 0, cps.length);
    to = clamp(to, from, cps.length);
    const within = (s) => s.end > from && s.start < to && s.end > s.start;
    const os = (outers || []).filter(within);
    const is = (inners || []).filter(within);
    const ps = (points || []).filter((p) => p.at >= from && p.at <= to).sort((a, b) => a.at - b.at);
    const bounds = new Set([from, to]);
    for (const s of os.concat(is)) {
      bounds.add(clamp(s.start, from, to));
      bounds.add(clamp(s.end, from, to));
    }
    for (const p of ps) bounds.add(p.at);
    const bs = [...bounds].sort((a, b) => a - b);

    let pi = 0;
    let outerSpan = null;
    let outerEl = null;
    let innerSpan = null;
    let innerEl = null;
    const emitPoints = (pos, parent) => {
      while (pi < ps.length && ps[pi].at === pos) parent.append(ps[pi++].make());
    };
    for (let i = 0; i + 1 < bs.length; i++) {
      const a = bs[i];
      const b = bs[i + 1];
      const o = os.find((s) => s.start <= a && s.end >= b) || null;
      const prevOuter = outerSpan;
      const prevOuterEl = outerEl;
      if (o !== outerSpan) {
        outerSpan = o;
        outerEl = o ? o.make() : null;
        innerSpan = null;
        innerEl = null;
        if (outerEl) container.append(outerEl);
      }
      const parent = outerEl || container;
      // A marker at the very end of the previous passage stays inside it.
      const pointParent = !o && prevOuter && prevOuter.end === a ? prevOuterEl : parent;
      emitPoints(a, pointParent);
      const textPart = cps.slice(a, b).join('');
      const inn = is.find((s) => s.start <= a && s.end >= b) || null;
      if (inn) {
        if (inn !== innerSpan || !innerEl || innerEl.parentNode !== parent || parent.lastChild !== innerEl) {
          innerSpan = inn;
          innerEl = inn.make();
          parent.append(innerEl);
        }
        innerEl.append(textPart);
      } else {
        innerSpan = null;
        innerEl = null;
        parent.append(textPart);
      }
    }
    emitPoints(to, outerEl || container);
  }

  // ---------------------------------------------------------------- state

  let seq = 0; // the latest trace request; older answers are ignored
  let current = null; // {report, cps, colours, byPassageSource}
  let queryId = 'article';

  const els = {
    form: $('trace-form'),
    title: $('title'),
    date: $('date'),
    article: $('article'),
    trace: $('trace'),
    clear: $('clear'),
    fileInput: $('file-input'),
    fileName: $('file-name'),
    status: $('status'),
    statusText: $('status-text'),
    error: $('error'),
    results: $('results'),
    summaryTitle: $('summary-title'),
    coverageBar: $('coverage-bar'),
    summaryFigures: $('summary-figures'),
    sources: $('sources'),
    otherWrap: $('other-sources-wrap'),
    otherSources: $('other-sources'),
    laterWrap: $('later-copies-wrap'),
    laterCopies: $('later-copies'),
    subs: $('substitutions'),
    articleText: $('article-text'),
    passages: $('passages'),
    dialog: $('doc-dialog'),
    docTitle: $('doc-title'),
    docMeta: $('doc-meta'),
    docLegend: $('doc-legend'),
    docStatus: $('doc-status'),
    docText: $('doc-text'),
    docClose: $('doc-close'),
    overlay: $('drop-overlay'),
    indexInfo: $('index-info'),
    kbdHint: $('kbd-hint'),
    browse: $('browse'),
    browseForm: $('browse-form'),
    browsePrefix: $('browse-prefix'),
    browseQ: $('browse-q'),
    browseStatus: $('browse-status'),
    docList: $('doc-list'),
    browseMore: $('browse-more'),
  };

  function showError(message) {
    els.error.replaceChildren(el('strong', { text: 'Error: ' }), message);
    els.error.hidden = false;
  }

  function clearError() {
    els.error.hidden = true;
    els.error.replaceChildren();
  }

  function setBusy(busy, text) {
    els.trace.disabled = busy;
    els.trace.textContent = busy ? 'Tracing…' : 'Trace';
    els.status.hidden = !busy;
    els.statusText.textContent = text || 'Tracing…';
    els.results.setAttribute('aria-busy', busy ? 'true' : 'false');
  }

  // ---------------------------------------------------------------- trace

  /**
   * Sends a trace and shows its report. `textOf(report)` gives the traced
   * text (the report's offsets count its code points); `kind` is 'text',
   * 'html' or 'document'.
   */
  async function traceWith(body, busyText, kind, textOf, onDone) {
    clearError();
    const mine = ++seq;
    delete els.results.dataset.queryLength;
    setBusy(true, busyText);
    try {
      const report = await api('POST', '/v1/trace', body);
      if (mine !== seq) return;
      const text = await textOf(report);
      if (mine !== seq) return;
      render(report, text, kind === 'document' ? body.document_id : null);
      if (onDone) onDone(report, text);
    } catch (e) {
      if (mine !== seq) return;
      showError(e.message);
    } finally {
      if (mine === seq) setBusy(false);
    }
  }

  /** Keeps the address bar on `?doc=ID` for a traced document (a link to share), on the bare page otherwise. */
  function setPermalink(id) {
    const url = new URL(window.location.href);
    if (id) url.searchParams.set('doc', id);
    else url.searchParams.delete('doc');
    url.hash = '';
    if (url.href !== window.location.href) window.history.replaceState(null, '', url.href);
  }

  function runTrace() {
    const text = els.article.value;
    clearError();
    if (!text.trim()) {
      showError('Paste an article into the text box, or drop a .txt or .html file, then press Trace.');
      els.article.focus();
      return;
    }
    const title = els.title.value.trim();
    const body = { text, id: queryId || 'article' };
    if (title) body.title = title;
    if (els.date.value) body.date = els.date.value;
    setPermalink(null);
    traceWith(body, `Tracing ${plural(Array.from(text).length, 'character')}…`, 'text', () => text);
  }

  /** Traces an indexed document by its id (its own text, its indexed date). */
  function traceDocument(id) {
    if (!id) return;
    setPermalink(id);
    traceWith({ document_id: id }, `Tracing the indexed document ${id}…`, 'document',
      async () => (await getDocument(id)).text);
  }

  /** Traces an HTML page: the server extracts its main text (the extractor of the CLI). */
  function traceHtml(html, name) {
    const body = { html, id: name };
    const title = els.title.value.trim();
    if (title) body.title = title;
    if (els.date.value) body.date = els.date.value;
    setPermalink(null);
    traceWith(body, `Extracting and tracing ${name}…`, 'html', (report) => {
      if (typeof report.query_text !== 'string') throw new ApiError('The server did not return the text of the page.', 'invalid', 200);
      return report.query_text;
    }, (report, text) => {
      els.article.value = text;
      if (!els.title.value.trim() && report.query_title) els.title.value = report.query_title;
      queryId = name;
      els.fileName.textContent = `Traced ${name}: ${plural(Array.from(text).length, 'character')} of article text extracted by the server.`;
    });
  }

  // ---------------------------------------------------------------- rendering

  function render(report, text, documentId) {
    const cps = Array.from(text);
    const colours = new Map();
    const assign = (id) => {
      if (id && !colours.has(id)) colours.set(id, { ...colourFor(colours.size), label: colours.size + 1 });
    };
    for (const s of report.sources || []) assign(s.source_id);
    for (const p of report.passages || []) assign(p.source_id);
    for (const p of report.passages || []) {
      for (const a of p.alternatives || []) assign(a.source_id);
      if (p.earliest) assign(p.earliest.source_id);
    }
    const passagesBySource = new Map();
    (report.passages || []).forEach((p, i) => {
      if (!passagesBySource.has(p.source_id)) passagesBySource.set(p.source_id, []);
      passagesBySource.get(p.source_id).push(i);
    });
    current = { report, cps, colours, passagesBySource, documentId: documentId || null };
    els.results.dataset.queryLength = String(report.query_length);

    renderSummary(report);
    renderSources(report);
    renderSubstitutions(report);
    renderArticle(report, cps);
    renderOriginal(report, cps);
    renderPassages(report, cps);

    els.results.hidden = false;
    els.results.focus({ preventScroll: true });
    scrollToEl(els.results.querySelector('.summary'));
  }

  function chip(id, text) {
    const c = current.colours.get(id) || colourFor(0);
    return el('span', { class: 'chip', style: colourStyle(c), data: { sourceId: id } },
      el('span', { class: 'swatch', text: c.label || '', attrs: { 'aria-hidden': 'true' } }),
      el('span', { class: 'chip-text', text: text || id }));
  }

  function openButton(id, label, passage) {
    return el('button', {
      class: 'link-button',
      text: label || 'Full text',
      testid: 'open-source',
      attrs: { type: 'button', 'aria-label': `Read the full text of ${id}` },
      data: { sourceId: id },
      on: { click: () => openDocument(id, passage) },
    });
  }

  function renderSummary(report) {
    const nP = (report.passages || []).length;
    const nS = (report.sources || []).length;
    const firstLine = current.cps.join('').split('\n').map((l) => l.trim()).find((l) => l) || '';
    const short = Array.from(firstLine);
    els.summaryTitle.replaceChildren(
      report.query_title
        ? el('span', { class: 'query-title', text: report.query_title })
        : el('span', { class: 'query-title', title: 'no title given: the first line of the article',
          text: `“${short.slice(0, 120).join('')}${short.length > 120 ? '…' : ''}”` }),
      el('span', { class: 'muted', text: ` · ${plural(report.query_length, 'character')}` }),
      report.query_date ? el('span', { class: 'muted', testid: 'query-date' }, ' · published ', timeEl(report.query_date)) : null,
    );
    const bar = els.coverageBar;
    bar.replaceChildren();
    for (const s of report.sources || []) {
      const c = current.colours.get(s.source_id);
      bar.append(el('span', {
        class: 'seg',
        title: `${s.outlet || s.source_id}: ${pct(s.coverage)}`,
        style: { ...colourStyle(c), width: `${100 * s.coverage}%` },
      }));
    }
    bar.append(el('span', { class: 'seg original', title: `original: ${pct(report.original_share)}`, style: { width: `${100 * report.original_share}%` } }));
    bar.setAttribute('aria-label', `${pct(report.coverage)} of the article found in ${plural(nS, 'source')}, ${pct(report.original_share)} original`);

    const fig = (value, label, testid) => el('div', { class: 'figure', testid },
      el('span', { class: 'big', text: value }), el('span', { class: 'label', text: label }));
    els.summaryFigures.replaceChildren(
      fig(pct(report.coverage), 'found elsewhere', 'coverage-found'),
      fig(pct(report.original_share), 'original', 'coverage-original'),
      fig(num(nP), nP === 1 ? 'passage' : 'passages', 'passage-count'),
      fig(num(nS), nS === 1 ? 'source' : 'sources', 'source-count'),
      el('p', { class: 'hint summary-note' },
        `${plural(report.candidates || 0, 'candidate source')} aligned. Download the report: `,
        el('button', { class: 'link-button', text: 'JSON', testid: 'download-json', attrs: { type: 'button', title: 'The report as the API returns it' }, on: { click: downloadReport } }),
        ' · ',
        el('button', { class: 'link-button', text: 'CSV', testid: 'download-csv', attrs: { type: 'button', title: 'One row per passage' }, on: { click: downloadCsv } }),
        ' · ',
        el('button', { class: 'link-button', text: 'HTML', testid: 'download-html', attrs: { type: 'button', title: 'A self-contained page that opens offline' }, on: { click: downloadHtml } }),
        current.documentId ? el('span', {}, ' · ',
          el('a', { class: 'permalink', testid: 'permalink', text: 'Link to this report',
            attrs: { href: `?doc=${encodeURIComponent(current.documentId)}`, title: 'Opening this link traces the indexed document again' } })) : null),
    );
    if (nP === 0) {
      els.summaryFigures.append(el('p', { class: 'empty', testid: 'no-passages', text: 'No passage of this article was found in the index: as far as tessera can tell, it is original.' }));
    }
  }

  function saveFile(content, type, extension) {
    const blob = new Blob([content], { type });
    const url = URL.createObjectURL(blob);
    const name = `${(current.report.query_id || 'report').replace(/[^\w.-]+/g, '_')}.trace.${extension}`;
    const a = el('a', { attrs: { href: url, download: name } });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  /** The report as the API returned it (with `query_text` for an HTML page: its offsets count that text). */
  function downloadReport() {
    if (!current) return;
    saveFile(JSON.stringify(current.report, null, 2), 'application/json', 'json');
  }

  // ---------------------------------------------------------------- CSV export

  const CSV_COLUMNS = ['passage', 'query_offset', 'query_length', 'source_id', 'source_title', 'source_outlet',
    'source_date', 'source_offset', 'source_length', 'score', 'matched_words', 'reordered', 'substitutions',
    'insertions', 'deletions', 'edits', 'earliest_source_id', 'earliest_date', 'alternatives', 'text'];

  /** One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces. */
  function csvField(v) {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }

  /** The edits of a passage in one readable cell: `Russia -> Russian Federation; +word; -word`. */
  function editsCell(p) {
    return (p.edits || []).map((e) => {
      if (e.op === 'sub') return `${e.source} -> ${e.query}`;
      if (e.op === 'ins') return `+${e.query}`;
      return `-${e.source}`;
    }).join('; ');
  }

  function passagesCsv(report, cps) {
    const rows = [CSV_COLUMNS];
    (report.passages || []).forEach((p, i) => {
      const count = (op) => (p.edits || []).filter((e) => e.op === op).length;
      rows.push([
        i + 1, p.query_offset, p.query_length, p.source_id, p.source_title, p.source_outlet, p.source_date,
        p.source_offset, p.source_length, p.score, p.matched_words, p.reordered ? 'true' : 'false',
        count('sub'), count('ins'), count('del'), editsCell(p),
        p.earliest ? p.earliest.source_id : '', p.earliest ? p.earliest.date : '',
        (p.alternatives || []).map((a) => a.source_id).join(' '),
        cps.slice(p.query_offset, p.query_offset + p.query_length).join(''),
      ]);
    });
    return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
  }

  function downloadCsv() {
    if (!current) return;
    saveFile(passagesCsv(current.report, current.cps), 'text/csv;charset=utf-8', 'csv');
  }

  // ---------------------------------------------------------------- HTML export

  // The stylesheet of an exported report: everything inline, nothing fetched.
  const EXPORT_CSS = `
:root { --ink: #1a1d21; --muted: #545b66; --line: #d5d9df; --paper: #fff; --ground: #f3f4f6; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1.5rem; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; color: var(--ink); background: var(--ground); }
h1 { font-size: 1.5rem; margin: 0 0 .3rem; } h2 { font-size: 1.2rem; margin: 1.6rem 0 .5rem; } h3 { font-size: 1rem; margin: 0 0 .4rem; }
.muted, .meta { color: var(--muted); } .meta { margin: 0 0 1rem; font-size: .92rem; }
section, .passage { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem; margin: 0 0 1rem; }
.figures { display: flex; flex-wrap: wrap; gap: 1.5rem; margin: .6rem 0; } .figures b { display: block; font-size: 1.5rem; }
.coverage-bar { display: flex; height: 1.1rem; border: 1px solid #9aa3af; border-radius: 4px; overflow: hidden; background: #e2e5ea; }
.coverage-bar span { display: block; height: 100%; background: var(--c-fg); }
table { border-collapse: collapse; width: 100%; font-size: .92rem; } th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid var(--line); }
.swatch { display: inline-block; min-width: 1.4rem; padding: 0 .25rem; border-radius: 4px; background: var(--c-fg); color: #fff; font-weight: 700; text-align: center; font-size: .8rem; }
.text { font-family: Georgia, "Times New Roman", serif; line-height: 1.7; white-space: pre-wrap; overflow-wrap: anywhere; }
mark.hl { background: var(--c-bg); color: var(--ink); border-bottom: 3px solid var(--c-fg); -webkit-box-decoration-break: clone; box-decoration-break: clone; }
.pnum { display: inline-block; font: 700 .72rem system-ui, sans-serif; color: #fff; background: var(--c-fg, #475569); border-radius: 3px; padding: 0 .25rem; margin-right: .15rem; text-decoration: none; vertical-align: .15em; }
mark .pnum { background: var(--c-fg); }
.edit-sub { font-weight: 700; text-decoration: underline; text-decoration-thickness: 2px; background: #fff3b0; outline: 1px solid #b58b00; }
.edit-ins { font-style: italic; text-decoration: underline wavy #b42318; background: #ffe4e0; }
.edit-del { text-decoration: line-through 2px #b42318; color: #7a2f2f; background: #f6e3e3; }
.del-mark::before { content: "\u2038"; color: #b42318; font-weight: 700; } .ins-mark::before { content: "\u207a"; color: #b42318; font-weight: 700; }
.passage { border-left: 6px solid var(--c-fg); }
.columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; }
.col { border-radius: 4px; padding: .5rem .7rem; } .col-article { background: var(--c-bg); } .col-source { border: 1px dashed var(--c-fg); }
.label { font-size: .78rem; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
dl { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .2rem 1rem; margin: .7rem 0 0; font-size: .92rem; } dt { font-weight: 700; color: var(--muted); } dd { margin: 0; }
footer { color: var(--muted); font-size: .85rem; margin-top: 2rem; }
@media (max-width: 640px) { .columns { grid-template-columns: minmax(0, 1fr); } }
@media screen and (prefers-color-scheme: dark) {
  :root { color-scheme: dark; --ink: #e6e9ee; --muted: #a9b1bd; --line: #3a414c; --paper: #1b1f25; --ground: #111418; }
  mark.hl, .col-article { background: color-mix(in srgb, var(--c-fg) 34%, var(--paper)); }
  .edit-sub { background: #5a4700; color: #fff4c2; } .edit-ins { background: #5a2019; color: #ffd9d2; } .edit-del { background: #4a2424; color: #f5bcbc; }
}
@media print { body { background: #fff; } section, .passage { break-inside: avoid; } }
`;

  /** The report as a self-contained HTML document (inline style, no script, nothing fetched). */
  async function reportHtml() {
    const { report, cps, colours } = current;
    const styleOf = (id) => colourStyle(colours.get(id) || colourFor(0));
    const swatch = (id) => el('span', { class: 'swatch', style: styleOf(id), text: (colours.get(id) || {}).label || '' });
    const sourceTexts = new Map();
    await Promise.all([...new Set((report.passages || []).map((p) => p.source_id))].map((id) =>
      getDocument(id).then((d) => sourceTexts.set(id, d), () => {})));

    const firstLine = cps.join('').split('\n').map((l) => l.trim()).find((l) => l) || '';
    const heading = report.query_title || (Array.from(firstLine).length > 120 ? `${Array.from(firstLine).slice(0, 120).join('')}…` : firstLine);
    const body = el('body');
    body.append(
      el('h1', { text: heading }),
      el('p', { class: 'meta' }, `Where the passages of ${report.query_id} came from: ${plural(report.query_length, 'character')}`,
        report.query_date ? ` · published ${fmtDate(report.query_date)}` : '',
        ` · traced by tessera on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`),
    );

    const bar = el('div', { class: 'coverage-bar', attrs: { role: 'img', 'aria-label': `${pct(report.coverage)} found in sources` } });
    for (const s of report.sources || []) bar.append(el('span', { style: { ...styleOf(s.source_id), width: `${100 * s.coverage}%` }, title: `${s.source_id}: ${pct(s.coverage)}` }));
    body.append(el('section', { data: { part: 'summary' } },
      el('h2', { text: 'Summary' }),
      bar,
      el('div', { class: 'figures' },
        el('div', {}, el('b', { text: pct(report.coverage) }), 'found elsewhere'),
        el('div', {}, el('b', { text: pct(report.original_share) }), 'original'),
        el('div', {}, el('b', { text: num((report.passages || []).length) }), 'passages'),
        el('div', {}, el('b', { text: num((report.sources || []).length) }), 'sources'))));

    const sourceRows = (list) => {
      const table = el('table', {}, el('thead', {}, el('tr', {},
        ...['', 'Source', 'Outlet', 'Date', 'Id', 'Share of the article', 'Passages'].map((h) => el('th', { text: h })))));
      const tbody = el('tbody');
      for (const s of list) {
        tbody.append(el('tr', { data: { sourceId: s.source_id } },
          el('td', {}, swatch(s.source_id)), el('td', { text: s.title || s.source_id }), el('td', { text: s.outlet || '' }),
          el('td', { text: fmtDate(s.date) }), el('td', {}, el('code', { text: s.source_id })),
          el('td', { text: pct(s.coverage) }), el('td', { text: String(s.passages) })));
      }
      table.append(tbody);
      return table;
    };
    body.append(el('section', { data: { part: 'sources' } }, el('h2', { text: 'Sources' }),
      (report.sources || []).length ? sourceRows(report.sources) : el('p', { class: 'muted', text: 'No source found.' })));
    if ((report.later_copies || []).length) {
      body.append(el('section', { data: { part: 'later-copies' } }, el('h2', { text: 'Later copies' }),
        el('p', { class: 'muted', text: 'Documents published after the article that carry its passages: copies of it, not its sources.' }),
        sourceRows(report.later_copies)));
    }
    const subs = report.substitutions || [];
    body.append(el('section', { data: { part: 'substitutions' } }, el('h2', { text: 'Substitutions' }),
      subs.length ? el('ul', {}, ...subs.map((x) => el('li', {}, el('del', { text: x.source }), ' → ', el('b', { text: x.query }), ` ×${x.count}`)))
        : el('p', { class: 'muted', text: 'No word of a source was replaced.' })));

    const layers = articleLayers(report);
    const article = el('div', { class: 'text' });
    buildMarkedText(article, cps, 0, cps.length, layers.outers, layers.inners, layers.points);
    body.append(el('section', { data: { part: 'article' } }, el('h2', { text: 'Article text' }),
      el('p', { class: 'muted', text: 'Highlighted: passages found in a source (its colour). Bold: a word replaced; italic: a word inserted; ‸ source words dropped.' }),
      article));

    body.append(el('h2', { text: 'Passages' }));
    (report.passages || []).forEach((p, i) => {
      const artText = el('div', { class: 'text' });
      const la = editLayers(p, i, 'article');
      buildMarkedText(artText, cps, p.query_offset, p.query_offset + p.query_length, [], la.inners, la.points);
      const srcText = el('div', { class: 'text' });
      const doc = sourceTexts.get(p.source_id);
      if (doc) {
        const ls = editLayers(p, i, 'source');
        buildMarkedText(srcText, doc.cps, p.source_offset, p.source_offset + p.source_length, [], ls.inners, ls.points);
      } else {
        srcText.append(el('span', { class: 'muted', text: 'The source text could not be loaded.' }));
      }
      const nSub = (p.edits || []).filter((e) => e.op === 'sub').length;
      const nIns = (p.edits || []).filter((e) => e.op === 'ins').length;
      const nDel = (p.edits || []).filter((e) => e.op === 'del').length;
      body.append(el('article', { class: 'passage', style: styleOf(p.source_id), attrs: { id: `passage-${i + 1}` }, data: { sourceId: p.source_id } },
        el('h3', {}, swatch(p.source_id), ` Passage ${i + 1}: from ${p.source_title || p.source_id}`),
        el('p', { class: 'meta', text: `${[p.source_outlet, fmtDate(p.source_date)].filter(Boolean).join(', ')}${p.source_outlet || p.source_date ? ' · ' : ''}score ${p.score.toFixed(2)} · article ${num(p.query_offset)}–${num(p.query_offset + p.query_length)} · source ${num(p.source_offset)}–${num(p.source_offset + p.source_length)}${p.reordered ? ' · reordered' : ''}` }),
        el('div', { class: 'columns' },
          el('div', { class: 'col col-article' }, el('div', { class: 'label', text: 'Article' }), artText),
          el('div', { class: 'col col-source' }, el('div', { class: 'label', text: `Source: ${p.source_id}` }), srcText)),
        el('dl', {},
          el('dt', { text: 'Edits' }),
          el('dd', { text: nSub + nIns + nDel ? `${plural(nSub, 'replacement')}, ${plural(nIns, 'insertion')}, ${plural(nDel, 'deletion')}: ${editsCell(p)}` : 'none (verbatim)' }),
          el('dt', { text: 'Earliest source' }),
          el('dd', { text: p.earliest ? [p.earliest.source_id, fmtDate(p.earliest.date)].filter(Boolean).join(', ') : 'no dated source' }),
          el('dt', { text: 'Also in' }),
          el('dd', { text: (p.alternatives || []).map((a) => a.source_id).join(', ') || 'no other source' }))));
    });
    if (!(report.passages || []).length) body.append(el('p', { class: 'muted', text: 'No passage of this article was found in the index.' }));
    body.append(el('footer', { text: 'Exported from the tessera web page. Offsets count Unicode code points of the article and source texts.' }));

    const title = el('title', { text: `${heading} — tessera report` });
    return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="viewport" content="width=device-width, initial-scale=1">\n<meta name="color-scheme" content="light dark">\n${title.outerHTML}\n<style>${EXPORT_CSS}</style>\n</head>\n${body.outerHTML}\n</html>\n`;
  }

  async function downloadHtml() {
    if (!current) return;
    const mine = current;
    const html = await reportHtml();
    if (mine !== current) return;
    saveFile(html, 'text/html;charset=utf-8', 'html');
  }

  function passageLinks(indices) {
    const span = el('span', { class: 'passage-links' });
    indices.forEach((i, k) => {
      if (k) span.append(', ');
      span.append(el('a', { text: String(i + 1), attrs: { href: `#passage-${i + 1}` }, on: { click: (ev) => { ev.preventDefault(); gotoPassage(i); } } }));
    });
    return span;
  }

  function renderSources(report) {
    els.sources.replaceChildren();
    for (const s of report.sources || []) {
      const c = current.colours.get(s.source_id);
      const idx = current.passagesBySource.get(s.source_id) || [];
      const li = el('li', { class: 'source', testid: 'source', data: { sourceId: s.source_id }, style: colourStyle(c) },
        el('span', { class: 'swatch big-swatch', text: c.label, attrs: { 'aria-hidden': 'true' } }),
        el('div', { class: 'source-main' },
          el('div', { class: 'source-title' },
            el('button', {
              class: 'title-button', text: s.title || s.source_id, testid: 'source-title',
              attrs: { type: 'button', title: `Read the full text of ${s.source_id}` },
              on: { click: () => openDocument(s.source_id) },
            })),
          el('div', { class: 'source-meta' },
            s.outlet ? el('span', { class: 'outlet', text: s.outlet }) : null,
            s.date ? ' · ' : null, timeEl(s.date),
            ' · ', el('code', { class: 'source-id', text: s.source_id })),
          el('div', { class: 'bar', testid: 'source-coverage', attrs: { role: 'img', 'aria-label': `${pct(s.coverage)} of the article` } },
            el('span', { style: { width: `${100 * s.coverage}%` } })),
          el('div', { class: 'source-figs' },
            el('strong', { text: pct(s.coverage) }), ' of the article · ',
            `${s.passages === 1 ? 'passage' : 'passages'} `, passageLinks(idx))),
        openButton(s.source_id, 'Full text'),
      );
      els.sources.append(li);
    }
    if (!(report.sources || []).length) els.sources.append(el('li', { class: 'empty', text: 'No source found.' }));

    // Sources seen only as alternatives or as an earliest source.
    const primary = new Set((report.sources || []).map((s) => s.source_id));
    const others = new Map();
    (report.passages || []).forEach((p, i) => {
      for (const a of p.alternatives || []) {
        if (primary.has(a.source_id)) continue;
        if (!others.has(a.source_id)) others.set(a.source_id, { a, passages: [] });
        others.get(a.source_id).passages.push(i);
      }
    });
    els.otherSources.replaceChildren();
    for (const [id, { a, passages }] of others) {
      const c = current.colours.get(id);
      els.otherSources.append(el('li', { class: 'source', testid: 'other-source', data: { sourceId: id }, style: colourStyle(c) },
        el('span', { class: 'swatch big-swatch', text: c.label, attrs: { 'aria-hidden': 'true' } }),
        el('div', { class: 'source-main' },
          el('div', { class: 'source-title' },
            el('button', { class: 'title-button', text: a.source_title || id, attrs: { type: 'button' }, on: { click: () => openDocument(id) } })),
          el('div', { class: 'source-meta' },
            a.source_outlet ? el('span', { text: a.source_outlet }) : null,
            a.source_date ? ' · ' : null, timeEl(a.source_date),
            ' · ', el('code', { text: id })),
          el('div', { class: 'source-figs' }, 'alternative for passage ', passageLinks(passages))),
        openButton(id, 'Full text')));
    }
    els.otherWrap.hidden = others.size === 0;

    // Documents dated after the article: later copies, never sources.
    els.laterCopies.replaceChildren();
    for (const s of report.later_copies || []) {
      els.laterCopies.append(el('li', { class: 'source later', testid: 'later-copy', data: { sourceId: s.source_id } },
        el('div', { class: 'source-main' },
          el('div', { class: 'source-title' },
            el('button', { class: 'title-button', text: s.title || s.source_id, attrs: { type: 'button' }, on: { click: () => openDocument(s.source_id) } })),
          el('div', { class: 'source-meta' },
            s.outlet ? el('span', { text: s.outlet }) : null,
            s.date ? ' · ' : null, timeEl(s.date),
            ' · ', el('code', { text: s.source_id })),
          el('div', { class: 'source-figs' }, el('strong', { text: pct(s.coverage) }), ' of the article')),
        openButton(s.source_id, 'Full text')));
    }
    els.laterWrap.hidden = !(report.later_copies || []).length;
  }

  function renderSubstitutions(report) {
    els.subs.replaceChildren();
    const subs = report.substitutions || [];
    if (!subs.length) {
      els.subs.append(el('li', { class: 'empty', text: 'No word of a source was replaced.' }));
      return;
    }
    for (const s of subs) {
      const btn = el('button', {
        class: 'sub-button',
        attrs: { type: 'button', 'aria-pressed': 'false', title: 'Mark these replacements in the article' },
        on: {
          click: () => {
            const on = btn.getAttribute('aria-pressed') !== 'true';
            for (const b of els.subs.querySelectorAll('.sub-button')) b.setAttribute('aria-pressed', 'false');
            for (const m of document.querySelectorAll('.edit-sub.spot')) m.classList.remove('spot');
            if (!on) return;
            btn.setAttribute('aria-pressed', 'true');
            const marks = [...els.articleText.querySelectorAll('.edit-sub')]
              .filter((m) => m.dataset.from === s.source && m.dataset.to === s.query);
            marks.forEach((m) => m.classList.add('spot'));
            if (marks[0]) scrollToEl(marks[0]);
          },
        },
      },
      el('span', { class: 'sub-src', text: s.source }),
      el('span', { class: 'arrow', text: ' → ', attrs: { 'aria-label': 'replaced by' } }),
      el('span', { class: 'sub-q', text: s.query }),
      el('span', { class: 'count', text: ` ×${s.count}`, attrs: { 'aria-label': `${s.count} times` } }));
      els.subs.append(el('li', { testid: 'substitution', data: { source: s.source, query: s.query, count: s.count } }, btn));
    }
  }

  /** Inner spans and markers for the edits of a passage, on the article side or the source side. */
  function editLayers(p, pi, side) {
    const inners = [];
    const points = [];
    (p.edits || []).forEach((e, k) => {
      const key = `${pi}-${k}`;
      const qLen = Array.from(e.query || '').length;
      const sLen = Array.from(e.source || '').length;
      if (side === 'article') {
        if (e.op === 'sub') {
          inners.push({ start: e.query_offset, end: e.query_offset + qLen, make: () => el('span', {
            class: 'edit-sub', title: `“${e.query}” replaces “${e.source}” of the source`,
            data: { edit: key, from: e.source, to: e.query }, testid: 'edit-sub' }) });
        } else if (e.op === 'ins') {
          inners.push({ start: e.query_offset, end: e.query_offset + qLen, make: () => el('span', {
            class: 'edit-ins', title: `“${e.query}” is not in the source`, data: { edit: key }, testid: 'edit-ins' }) });
        } else if (e.op === 'del') {
          points.push({ at: e.query_offset, make: () => el('span', {
            class: 'del-mark', title: `dropped from the source: “${e.source}”`,
            attrs: { role: 'img', 'aria-label': `dropped: ${e.source}` }, data: { edit: key }, testid: 'edit-del' }) });
        }
      } else {
        if (e.op === 'sub') {
          inners.push({ start: e.source_offset, end: e.source_offset + sLen, make: () => el('span', {
            class: 'edit-sub', title: `the article has “${e.query}”`, data: { edit: key }, testid: 'edit-sub' }) });
        } else if (e.op === 'del') {
          inners.push({ start: e.source_offset, end: e.source_offset + sLen, make: () => el('del', {
            class: 'edit-del', title: 'not in the article', data: { edit: key }, testid: 'edit-del' }) });
        } else if (e.op === 'ins') {
          points.push({ at: e.source_offset, make: () => el('span', {
            class: 'ins-mark', title: `the article inserts “${e.query}” here`,
            attrs: { role: 'img', 'aria-label': `inserted in the article: ${e.query}` }, data: { edit: key } }) });
        }
      }
    });
    return { inners, points };
  }

  function passageTitle(p, i) {
    return `Passage ${i + 1}: from ${p.source_outlet || p.source_id}${p.source_date ? `, ${fmtDate(p.source_date)}` : ''} — score ${p.score.toFixed(2)}`;
  }

  /** Passage highlights, edits and passage numbers over the whole article. */
  function articleLayers(report) {
    const outers = [];
    const inners = [];
    const points = [];
    (report.passages || []).forEach((p, i) => {
      const c = current.colours.get(p.source_id);
      outers.push({
        start: p.query_offset,
        end: p.query_offset + p.query_length,
        make: () => el('mark', {
          class: 'hl', testid: 'highlight', title: passageTitle(p, i),
          data: { passage: i, sourceId: p.source_id }, style: colourStyle(c),
        }),
      });
      points.push({
        at: p.query_offset,
        make: () => el('a', {
          class: 'pnum', text: String(i + 1),
          attrs: { href: `#passage-${i + 1}`, 'aria-label': `passage ${i + 1}, from ${p.source_id}` },
        }),
      });
      const layers = editLayers(p, i, 'article');
      inners.push(...layers.inners);
      points.push(...layers.points);
    });
    (report.original || []).forEach((o, k) => {
      outers.push({
        start: o.offset,
        end: o.offset + o.length,
        make: () => el('span', { class: 'orig', data: { original: k } }),
      });
    });
    return { outers, inners, points };
  }

  function renderArticle(report, cps) {
    const { outers, inners, points } = articleLayers(report);
    els.articleText.replaceChildren();
    buildMarkedText(els.articleText, cps, 0, cps.length, outers, inners, points);
  }

  function renderOriginal(report, cps) {
    const list = $('original');
    list.replaceChildren();
    const spans = (report.original || []).map((o, k) => ({ o, k, text: cps.slice(o.offset, o.offset + o.length).join('').replace(/\s+/g, ' ').trim() }))
      .filter((x) => x.text);
    $('original-share').textContent = `${pct(report.original_share)} of the article was found in no source.`;
    if (!spans.length) {
      list.append(el('li', { class: 'empty', text: 'Every passage of the article was found in a source.' }));
      return;
    }
    for (const { o, k, text } of spans) {
      const t = Array.from(text);
      list.append(el('li', { testid: 'original-span', data: { offset: o.offset, length: o.length } },
        el('button', {
          class: 'link-button', text: `${num(o.offset)}–${num(o.offset + o.length)}`,
          attrs: { type: 'button', 'aria-label': `show original text at ${o.offset} in the article` },
          on: { click: () => {
            const span = els.articleText.querySelector(`[data-original="${k}"]`);
            if (span) { scrollToEl(span); flash(span); }
          } },
        }),
        ' ', el('span', { class: 'excerpt', text: t.length > 140 ? `${t.slice(0, 140).join('')}…` : text })));
    }
  }

  function renderPassages(report, cps) {
    els.passages.replaceChildren();
    const passages = report.passages || [];
    if (!passages.length) {
      els.passages.append(el('p', { class: 'empty', text: 'No passage found.' }));
      return;
    }
    const pending = new Map(); // source id → [{p, i, node}]
    passages.forEach((p, i) => {
      const c = current.colours.get(p.source_id);
      const qEnd = p.query_offset + p.query_length;
      const sEnd = p.source_offset + p.source_length;

      const head = el('header', { class: 'passage-head' },
        el('h4', { text: `Passage ${i + 1}` }),
        chip(p.source_id, p.source_outlet ? `${p.source_outlet}` : p.source_id),
        el('span', { class: 'score', testid: 'score', title: 'weighted share of aligned words (0–1)', text: `score ${p.score.toFixed(2)}` }),
        p.reordered ? el('span', { class: 'badge reordered', testid: 'reordered', text: 'reordered', title: 'parts of the passage appear in a different order in the source' }) : null,
        el('span', { class: 'offsets muted', text: `article ${num(p.query_offset)}–${num(qEnd)} · source ${num(p.source_offset)}–${num(sEnd)}` }),
        el('button', { class: 'link-button', text: 'Show in article', attrs: { type: 'button' }, on: { click: () => gotoHighlight(i) } }),
      );

      const artText = el('div', { class: 'col-text doc-text', testid: 'passage-article' });
      const layersA = editLayers(p, i, 'article');
      buildMarkedText(artText, cps, p.query_offset, qEnd, [], layersA.inners, layersA.points);
      const srcText = el('div', { class: 'col-text doc-text', testid: 'passage-source' },
        el('span', { class: 'muted loading', text: 'Loading the source text…' }));

      const columns = el('div', { class: 'columns' },
        el('div', { class: 'col col-article' },
          el('div', { class: 'col-label', text: 'Article' }), artText),
        el('div', { class: 'col col-source' },
          el('div', { class: 'col-label' },
            'Source: ', el('span', { class: 'col-source-title', text: p.source_title || p.source_id }), ' ',
            openButton(p.source_id, 'Full text', i)),
          srcText));

      const nSub = (p.edits || []).filter((e) => e.op === 'sub').length;
      const nIns = (p.edits || []).filter((e) => e.op === 'ins').length;
      const nDel = (p.edits || []).filter((e) => e.op === 'del').length;
      const facts = el('dl', { class: 'facts' },
        el('dt', { text: 'Edits' }),
        el('dd', { testid: 'edits-summary', text: `${nSub + nIns + nDel ? `${plural(nSub, 'replacement')}, ${plural(nIns, 'insertion')}, ${plural(nDel, 'deletion')}` : 'none (verbatim)'} · ${plural(p.matched_words || 0, 'word')} aligned` }),
        el('dt', { text: 'Best-aligned source' }),
        el('dd', {}, chip(p.source_id, p.source_id), ' ',
          [p.source_outlet, fmtDate(p.source_date)].filter(Boolean).join(', ')),
        el('dt', { text: 'Earliest source' }),
        earliestCell(p),
        el('dt', { text: 'Also in' }),
        alternativesCell(p, i),
      );

      const card = el('article', {
        class: 'passage', testid: 'passage', style: colourStyle(c),
        attrs: { id: `passage-${i + 1}`, tabindex: '-1', 'aria-label': `Passage ${i + 1}` },
        data: { sourceId: p.source_id, passage: i, reordered: p.reordered ? 'true' : 'false' },
      }, head, columns, facts);
      els.passages.append(card);
      if (!pending.has(p.source_id)) pending.set(p.source_id, []);
      pending.get(p.source_id).push({ p, i, node: srcText });
    });

    const mine = seq;
    for (const [id, items] of pending) {
      getDocument(id).then((doc) => {
        if (mine !== seq) return;
        for (const { p, i, node } of items) {
          node.replaceChildren();
          const layers = editLayers(p, i, 'source');
          buildMarkedText(node, doc.cps, p.source_offset, p.source_offset + p.source_length, [], layers.inners, layers.points);
        }
      }, (e) => {
        if (mine !== seq) return;
        for (const { node } of items) node.replaceChildren(el('span', { class: 'error-inline', text: `Cannot load the source text: ${e.message}` }));
      });
    }
  }

  function earliestCell(p) {
    const dd = el('dd', { testid: 'earliest' });
    const e = p.earliest;
    if (!e) {
      dd.append(el('span', { class: 'muted', text: 'no dated source' }));
      return dd;
    }
    dd.dataset.sourceId = e.source_id;
    if (e.source_id === p.source_id) {
      dd.dataset.differs = 'false';
      dd.append(chip(e.source_id, e.source_id), ' ', el('span', { text: 'this source' }),
        e.date ? ', ' : '', timeEl(e.date));
    } else {
      dd.dataset.differs = 'true';
      dd.append(chip(e.source_id, e.source_id), ' ', timeEl(e.date), ' ',
        el('span', { class: 'badge differs', text: 'earlier than the best-aligned source' }), ' ',
        el('span', { class: 'muted', testid: 'earliest-share', text: `holds ${pct(e.passage_share || 0)} of this passage` }), ' ',
        openButton(e.source_id, 'Full text'));
    }
    return dd;
  }

  function alternativesCell(p, i) {
    const dd = el('dd', { testid: 'alternatives' });
    const alts = p.alternatives || [];
    if (!alts.length) {
      dd.append(el('span', { class: 'muted', text: 'no other source' }));
      return dd;
    }
    const ul = el('ul', { class: 'alternatives' });
    for (const a of alts) {
      ul.append(el('li', { testid: 'alternative', data: { sourceId: a.source_id } },
        chip(a.source_id, a.source_id), ' ',
        [a.source_outlet, fmtDate(a.source_date)].filter(Boolean).join(', '),
        el('span', { class: 'muted', text: ` · article ${num(a.query_offset)}–${num(a.query_offset + a.query_length)} · score ${a.score.toFixed(2)} ` }),
        openButton(a.source_id, 'Full text', i)));
    }
    dd.append(ul);
    return dd;
  }

  function gotoPassage(i) {
    const card = document.getElementById(`passage-${i + 1}`);
    if (!card) return;
    scrollToEl(card);
    card.focus({ preventScroll: true });
    flash(card);
  }

  function gotoHighlight(i) {
    const mark = els.articleText.querySelector(`mark[data-passage="${i}"]`);
    if (!mark) return;
    scrollToEl(mark);
    for (const m of els.articleText.querySelectorAll(`mark[data-passage="${i}"]`)) flash(m);
  }

  // ---------------------------------------------------------------- source dialog

  async function openDocument(id, passage) {
    if (!current) return;
    const c = current.colours.get(id) || colourFor(0);
    els.docTitle.textContent = id;
    els.docMeta.replaceChildren();
    els.docLegend.replaceChildren();
    els.docText.replaceChildren();
    els.docStatus.hidden = false;
    els.docStatus.replaceChildren(el('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }), 'Loading the source…');
    els.dialog.dataset.sourceId = id;
    els.dialog.style.setProperty('--c-bg', c.bg);
    els.dialog.style.setProperty('--c-fg', c.fg);
    if (!els.dialog.open) els.dialog.showModal();
    let doc;
    try {
      doc = await getDocument(id);
    } catch (e) {
      if (els.dialog.dataset.sourceId !== id) return;
      els.docStatus.replaceChildren(el('span', { class: 'error-inline', text: `Cannot load ${id}: ${e.message}` }));
      return;
    }
    if (els.dialog.dataset.sourceId !== id) return;
    els.docStatus.hidden = true;
    els.docTitle.textContent = doc.title || id;
    const url = typeof doc.url === 'string' && /^https?:\/\//i.test(doc.url) ? doc.url : null;
    els.docMeta.append(...[
      chip(id, id), ' ',
      [doc.outlet, fmtDate(doc.date)].filter(Boolean).join(' · '),
      ` · ${plural(doc.length || doc.cps.length, 'character')}`,
      url ? ' · ' : null,
      url ? el('a', { text: 'original', attrs: { href: url, target: '_blank', rel: 'noopener noreferrer' } }) : null,
    ].filter((x) => x !== null));

    // The spans of this document that the trace aligned: passages whose best
    // source it is, and passages where it is an alternative.
    const spans = [];
    const seen = new Set();
    const add = (start, length, i, kind) => {
      const k = `${start}:${length}`;
      if (seen.has(k)) return;
      seen.add(k);
      spans.push({ start, end: start + length, i, kind });
    };
    const report = current.report;
    (report.passages || []).forEach((p, i) => {
      if (p.source_id === id) add(p.source_offset, p.source_length, i, 'passage');
      for (const a of p.alternatives || []) if (a.source_id === id) add(a.source_offset, a.source_length, i, 'alternative');
      if (p.earliest && p.earliest.source_id === id) add(p.earliest.source_offset, p.earliest.source_length, i, 'earliest');
    });
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    const outers = spans.map((s) => ({
      start: s.start,
      end: s.end,
      make: () => el('mark', {
        class: `hl${s.kind === 'passage' ? '' : ' hl-alt'}`, testid: 'source-highlight',
        title: `${s.kind === 'passage' ? 'Passage' : 'Alternative for passage'} ${s.i + 1} of the article`,
        data: { passage: s.i }, style: colourStyle(c),
      }),
    }));
    const inners = [];
    const points = spans.map((s) => ({
      at: s.start,
      make: () => el('span', { class: 'pnum', text: String(s.i + 1), style: colourStyle(c), attrs: { 'aria-label': `passage ${s.i + 1}` } }),
    }));
    (report.passages || []).forEach((p, i) => {
      if (p.source_id !== id) return;
      const l = editLayers(p, i, 'source');
      inners.push(...l.inners);
      points.push(...l.points);
    });
    buildMarkedText(els.docText, doc.cps, 0, doc.cps.length, outers, inners, points);
    const nums = [...new Set(spans.map((s) => s.i + 1))];
    els.docLegend.textContent = spans.length
      ? `Highlighted: the text aligned with passage${nums.length === 1 ? '' : 's'} ${nums.join(', ')} of the article.`
      : 'No part of this document was aligned with the article.';
    const target = (passage !== undefined && els.docText.querySelector(`mark[data-passage="${passage}"]`)) || els.docText.querySelector('mark');
    if (target) target.scrollIntoView({ block: 'center' });
    else els.docText.scrollTop = 0;
  }

  els.docClose.addEventListener('click', () => els.dialog.close());
  els.dialog.addEventListener('click', (e) => {
    if (e.target === els.dialog) els.dialog.close(); // a click on the backdrop
  });
  els.dialog.addEventListener('close', () => {
    delete els.dialog.dataset.sourceId;
  });

  // ---------------------------------------------------------------- files

  const MAX_FILE = 16 * 1024 * 1024;

  /**
   * Loads a dropped or opened file: a text file goes into the text box; an
   * HTML page is sent to the server as it is, which extracts its main text
   * with the extractor of the CLI and traces it (the text box then shows
   * the extracted text, so the offsets of the page and of the CLI agree).
   */
  function loadFile(file) {
    clearError();
    if (!file) return;
    const name = file.name || 'file';
    const isHtml = /\.(html?|xhtml)$/i.test(name) || file.type === 'text/html' || file.type === 'application/xhtml+xml';
    const isText = /\.(txt|text)$/i.test(name) || file.type === 'text/plain';
    if (!isHtml && !isText) {
      showError(`${name} is not a .txt or .html file.`);
      return;
    }
    if (file.size > MAX_FILE) {
      showError(`${name} is larger than 16 MiB.`);
      return;
    }
    const reader = new FileReader();
    reader.onerror = () => showError(`Cannot read ${name}: ${reader.error ? reader.error.message : 'unknown error'}`);
    reader.onload = () => {
      const content = String(reader.result || '');
      if (!content.trim()) {
        showError(`${name} holds no text.`);
        return;
      }
      if (isHtml) {
        els.fileName.textContent = `Sending ${name} to the server…`;
        traceHtml(content, name);
        return;
      }
      els.article.value = content;
      queryId = name;
      els.fileName.textContent = `Loaded ${name} (${plural(Array.from(content).length, 'character')}). Press Trace.`;
      els.trace.focus();
    };
    reader.readAsText(file, 'utf-8');
  }

  els.fileInput.addEventListener('change', () => {
    loadFile(els.fileInput.files && els.fileInput.files[0]);
    els.fileInput.value = '';
  });

  const hasFiles = (e) => e.dataTransfer && [...(e.dataTransfer.types || [])].includes('Files');
  let dragDepth = 0;
  window.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth++;
    els.overlay.hidden = false;
  });
  window.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  window.addEventListener('dragleave', (e) => {
    if (!hasFiles(e)) return;
    dragDepth = Math.max(0, dragDepth - 1);
    if (dragDepth === 0) els.overlay.hidden = true;
  });
  window.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    dragDepth = 0;
    els.overlay.hidden = true;
    loadFile(e.dataTransfer.files[0]);
  });

  // ---------------------------------------------------------------- wiring

  els.form.addEventListener('submit', (e) => {
    e.preventDefault();
    runTrace();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !els.dialog.open) {
      e.preventDefault();
      if (!els.trace.disabled) runTrace();
    }
  });
  els.article.addEventListener('input', () => {
    queryId = 'article';
    els.fileName.textContent = '';
  });
  els.clear.addEventListener('click', () => {
    els.article.value = '';
    els.title.value = '';
    els.date.value = '';
    queryId = 'article';
    els.fileName.textContent = '';
    clearError();
    els.article.focus();
  });
  if (/Mac|iPhone|iPad/.test(navigator.platform || '')) {
    els.kbdHint.replaceChildren(el('kbd', { text: '⌘' }), '+', el('kbd', { text: 'Enter' }));
  }

  // Clicking a highlight in the article goes to its passage.
  els.articleText.addEventListener('click', (e) => {
    const link = e.target.closest('a.pnum');
    const mark = e.target.closest('mark[data-passage]');
    if (!mark && !link) return;
    e.preventDefault();
    const i = Number((mark || link.closest('mark')).dataset.passage);
    gotoPassage(i);
  });

  // Hovering an edit in one column marks its counterpart in the other.
  const pair = (e, on) => {
    const t = e.target.closest && e.target.closest('[data-edit]');
    if (!t) return;
    const card = t.closest('.passage');
    if (!card) return;
    for (const m of card.querySelectorAll(`[data-edit="${CSS.escape(t.dataset.edit)}"]`)) m.classList.toggle('paired', on);
  };
  els.passages.addEventListener('mouseover', (e) => pair(e, true));
  els.passages.addEventListener('mouseout', (e) => pair(e, false));

  // ---------------------------------------------------------------- browse the index

  const BROWSE_PAGE = 50;
  const browse = { prefix: null, q: '', next: null, gen: 0, shown: 0, timer: 0 };

  /** Lists the indexed documents (id order), from the start of `prefix` or after the last one shown. */
  async function listDocuments(more) {
    if (!more) {
      browse.prefix = els.browsePrefix.value;
      browse.q = els.browseQ.value.trim();
      browse.next = null;
      browse.shown = 0;
    }
    const gen = ++browse.gen;
    const q = new URLSearchParams({ limit: String(BROWSE_PAGE) });
    if (browse.prefix) q.set('prefix', browse.prefix);
    if (browse.q) q.set('q', browse.q);
    if (more && browse.next) q.set('after', browse.next);
    els.browseStatus.textContent = 'Loading…';
    let page;
    try {
      page = await api('GET', `/v1/documents?${q}`);
    } catch (e) {
      if (gen === browse.gen) els.browseStatus.textContent = `Cannot list the documents: ${e.message}`;
      return;
    }
    if (gen !== browse.gen) return;
    if (!more) els.docList.replaceChildren();
    for (const d of page.documents) {
      els.docList.append(el('li', { testid: 'doc-item', data: { id: d.id } },
        el('button', {
          class: 'link-button doc-id', text: d.id, testid: 'doc-trace',
          attrs: { type: 'button', title: `Trace ${d.id} (its link can be shared)` },
          on: { click: () => traceDocument(d.id) },
        }),
        el('span', { class: 'doc-title', text: d.title || '' }),
        d.outlet || d.date ? el('span', { class: 'doc-when', text: [d.outlet, fmtDate(d.date)].filter(Boolean).join(' · ') }) : null));
    }
    browse.shown += page.documents.length;
    browse.next = page.next;
    els.browseMore.hidden = !page.next;
    const what = [browse.prefix ? ` whose id starts with “${browse.prefix}”` : '',
      browse.q ? ` whose id or title contains “${browse.q}”` : ''].filter(Boolean).join(' and');
    els.browseStatus.textContent = browse.shown
      ? `${plural(browse.shown, 'document')}${what}${page.next ? ' so far' : ''}. Choose an id to trace it.`
      : `No document${what}.`;
  }

  els.browse.addEventListener('toggle', () => {
    if (els.browse.open && browse.prefix === null) listDocuments(false);
  });
  els.browseForm.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(browse.timer);
    listDocuments(false);
  });
  for (const input of [els.browsePrefix, els.browseQ]) {
    input.addEventListener('input', () => {
      clearTimeout(browse.timer);
      browse.timer = setTimeout(() => listDocuments(false), 250);
    });
  }
  els.browseMore.addEventListener('click', () => listDocuments(true));

  // A permalink: `/?doc=ID` traces the indexed document ID.
  const linked = new URLSearchParams(window.location.search).get('doc');
  if (linked) traceDocument(linked);

  // What the server holds.
  api('GET', '/v1/health').then((h) => {
    els.indexInfo.textContent = `Index: ${plural(h.documents, 'document')} · tessera ${h.version}`;
  }, (e) => {
    els.indexInfo.textContent = `The server does not answer: ${e.message}`;
  });
})();
