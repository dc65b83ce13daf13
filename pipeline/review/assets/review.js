/* subweave review page: cue lists in sync with the audio, waveform, edits, export.
 * Data: the JSON block #subweave-data (pipeline/review/page.py). No network, no server.
 * Long tracks render lazily: a list keeps only the rows in view (and OVERSCAN around) in the DOM.
 */
(function () {
  "use strict";
  const DATA = JSON.parse(document.getElementById("subweave-data").textContent);
  const audio = document.getElementById("audio");
  const FRAME_MS = Math.round(1000 / (DATA.fps || 24));
  const STEP_MS = 100;
  const OVERSCAN = 8;
  const LINE_PX = 19;
  const TAIL_MS = 300; // a played cue or item stops this long after its out-time
  const EDGE_PX = 6; // how near a cue edge on the waveform a drag grabs it
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // --- state -----------------------------------------------------------------------------
  const tracks = DATA.tracks.map((t) => ({
    code: t.code,
    langs: t.langs,
    cues: t.cues.map((r) => ({
      s: r[0], e: r[1], lines: r[2], speaker: r[3],
      flags: r[4].map((f) => ({ reason: f[0], why: f[1] })),
      checked: new Set(r[5]), entry: r[6],
      orig: { s: r[0], e: r[1], lines: JSON.stringify(r[2]), checked: r[5].slice().sort().join(" ") },
      touched: { s: false, e: false, text: false },
    })),
  }));
  const byCode = new Map(tracks.map((t) => [t.code, t]));
  let current = tracks.find((t) => t.langs.length > 1) || tracks[0];
  let selected = null; // {track, i}
  let items = [];
  let activeIndex = -1;
  let stopAt = null;
  let dirty = false;
  let lastSeekMs = null;
  const looseChecked = new Set();
  const view = { start: 0, span: 15000 };
  const peaks = Uint8Array.from(atob(DATA.peaks.data), (c) => c.charCodeAt(0));
  const BIN_MS = DATA.peaks.bin_ms;
  const SHOTS = DATA.shots || []; // a video's shot changes (ms, in order); none for audio
  const SHOT_COLOUR = "#7c3aed";

  // --- time and text helpers -------------------------------------------------------------
  const pad = (n, w) => String(n).padStart(w, "0");
  function stamp(ms, sep) {
    ms = Math.max(0, Math.round(ms));
    const h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60;
    const s = Math.floor(ms / 1000) % 60;
    return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${sep}${pad(ms % 1000, 3)}`;
  }
  const clock = (ms) => stamp(ms, ",");
  function stacked(cue, langs) {
    const order = [...langs, ...Object.keys(cue.lines).filter((l) => !langs.includes(l))];
    const out = [];
    for (const lang of order) for (const line of cue.lines[lang] || []) if (line.trim()) out.push([lang, line]);
    return out;
  }
  const reasonsOf = (cue) => [...new Set(cue.flags.map((f) => f.reason))];
  const allChecked = (cue) => cue.flags.length > 0 && reasonsOf(cue).every((r) => cue.checked.has(r));
  const isCorrected = (cue) => cue.entry >= 0 || cue.touched.s || cue.touched.e || cue.touched.text;
  function firstEndingAfter(cues, ms) { // first cue with e > ms
    let lo = 0, hi = cues.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cues[mid].e <= ms) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function firstShotFrom(ms) { // first shot change at or after ms
    let lo = 0, hi = SHOTS.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (SHOTS[mid] < ms) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function drawShots(ctx, x, from, to, h, dash) { // a violet mark at each shot change in view
    ctx.fillStyle = SHOT_COLOUR;
    for (let k = firstShotFrom(from); k < SHOTS.length && SHOTS[k] <= to; k++) {
      const sx = x(SHOTS[k]);
      if (!dash) { ctx.fillRect(sx - 0.5, h - 6, 1, 6); continue; }
      for (let y = 16; y < h; y += 7) ctx.fillRect(sx - 0.75, y, 1.5, 4);
    }
  }
  function cueAt(cues, ms) {
    const k = firstEndingAfter(cues, ms);
    return k < cues.length && cues[k].s <= ms ? k : -1;
  }
  function overlapping(cues, s, e) {
    const out = [];
    for (let k = firstEndingAfter(cues, s); k < cues.length && cues[k].s < e; k++) {
      const shared = Math.min(cues[k].e, e) - Math.max(cues[k].s, s);
      if (shared * 2 >= Math.min(cues[k].e - cues[k].s, Math.max(1, e - s))) out.push(cues[k]);
    }
    return out;
  }
  function partner(cue) { // other languages at this cue's time, from the monolingual tracks
    const out = {};
    for (const t of tracks) {
      if (t.langs.length !== 1 || t.langs[0] in cue.lines) continue;
      const lang = t.langs[0];
      const text = overlapping(t.cues, cue.s, cue.e).map((c) => (c.lines[lang] || []).join(" ")).join(" ");
      if (text) out[lang] = text;
    }
    return out;
  }

  // --- a lazily rendered list of fixed-height rows ------------------------------------------
  class VList {
    constructor(host, render) {
      this.host = host; this.render = render; this.count = 0; this.rowH = 40; this.rows = new Map();
      this.spacer = el("div", "spacer"); host.appendChild(this.spacer); this.pending = false;
      host.addEventListener("scroll", () => this.schedule());
      window.addEventListener("resize", () => this.schedule());
    }
    reset(count, rowH) {
      this.count = count; this.rowH = rowH;
      for (const r of this.rows.values()) r.remove();
      this.rows.clear();
      this.spacer.style.height = `${count * rowH}px`;
      this.host.scrollTop = 0;
      this.update();
    }
    schedule() {
      if (this.pending) return;
      this.pending = true;
      requestAnimationFrame(() => { this.pending = false; this.update(); });
    }
    update() {
      const top = this.host.scrollTop, h = this.host.clientHeight || 600;
      const a = Math.max(0, Math.floor(top / this.rowH) - OVERSCAN);
      const b = Math.min(this.count, Math.ceil((top + h) / this.rowH) + OVERSCAN);
      for (const [i, r] of this.rows) if (i < a || i >= b) { r.remove(); this.rows.delete(i); }
      for (let i = a; i < b; i++) if (!this.rows.has(i)) this.place(i, this.render(i));
    }
    place(i, row) {
      row.style.top = `${i * this.rowH}px`; row.style.height = `${this.rowH}px`;
      const old = this.rows.get(i);
      if (old) old.replaceWith(row); else this.spacer.appendChild(row);
      this.rows.set(i, row);
    }
    refresh(i) { if (this.rows.has(i)) this.place(i, this.render(i)); }
    refreshAll() { for (const i of [...this.rows.keys()]) this.refresh(i); }
    show(i, center) {
      const top = i * this.rowH, h = this.host.clientHeight || 600;
      if (center || top < this.host.scrollTop || top + this.rowH > this.host.scrollTop + h) {
        this.host.scrollTop = Math.max(0, top - (center ? (h - this.rowH) / 2 : h / 3));
      }
      this.update();
    }
  }

  // --- rows ---------------------------------------------------------------------------------
  function badges(reasons, cue) {
    const box = el("span", "badges");
    for (const r of reasons) {
      const b = el("span", `badge r-${r}`, r);
      if (cue && cue.checked.has(r)) b.classList.add("done");
      b.title = DATA.reasons[r] || r;
      box.appendChild(b);
    }
    return box;
  }
  function textLines(box, cue, langs, labelled) {
    for (const [lang, line] of stacked(cue, langs)) {
      const d = el("div", "line");
      if (labelled) d.appendChild(el("span", "lang", lang));
      d.appendChild(document.createTextNode(line));
      box.appendChild(d);
    }
  }
  function cueRow(i) {
    const track = current, c = track.cues[i];
    const row = el("div", "row cue");
    row.dataset.track = track.code;
    row.dataset.startMs = String(c.s);
    row.dataset.endMs = String(c.e);
    row.dataset.flags = reasonsOf(c).join(" ");
    row.dataset.index = String(i);
    if (c.flags.length) row.classList.add("flagged");
    if (allChecked(c)) row.classList.add("checked");
    if (isCorrected(c)) row.classList.add("corrected");
    if (selected && selected.track === track && selected.i === i) row.classList.add("selected");
    if (i === activeIndex) row.classList.add("active");
    const meta = el("div", "meta");
    meta.appendChild(el("span", "num", `#${i + 1}`));
    if (c.speaker) meta.appendChild(document.createTextNode(` ${c.speaker}`));
    meta.appendChild(el("div", "times", clock(c.s)));
    meta.appendChild(el("div", "times", clock(c.e)));
    const text = el("div", "text");
    if (c.flags.length) text.appendChild(badges(reasonsOf(c), c));
    textLines(text, c, track.langs, track.langs.length > 1);
    row.append(meta, text);
    row.addEventListener("click", () => { select(track, i); seek(c.s); });
    return row;
  }
  function itemsFor(track) {
    const out = [];
    track.cues.forEach((c, i) => { if (c.flags.length) out.push({ cue: c, i, s: c.s, e: c.e }); });
    DATA.loose.forEach((l, k) => {
      if (l.langs.some((x) => track.langs.includes(x))) out.push({ loose: l, k, s: l.start_ms, e: l.end_ms });
    });
    out.sort((a, b) => a.s - b.s || a.e - b.e);
    return out;
  }
  function itemRow(n) {
    const it = items[n], row = el("div", "row item");
    row.dataset.item = String(n);
    const head = el("div", "head");
    const check = el("input");
    check.type = "checkbox";
    check.title = "mark as checked";
    head.appendChild(check);
    if (it.cue) {
      const c = it.cue;
      row.dataset.cue = String(it.i);
      check.checked = allChecked(c);
      check.addEventListener("click", (ev) => { ev.stopPropagation(); markChecked(current, it.i, check.checked); });
      head.append(badges(reasonsOf(c), c), el("span", "where", `${current.code} #${it.i + 1} ${clock(c.s)} → ${clock(c.e)}`));
      if (allChecked(c)) row.classList.add("checked");
      row.appendChild(head);
      const texts = el("div");
      textLines(texts, c, current.langs, true);
      for (const [lang, text] of Object.entries(partner(c))) {
        const d = el("div", "line");
        d.append(el("span", "lang", lang), document.createTextNode(text));
        texts.appendChild(d);
      }
      row.appendChild(texts);
      const why = c.flags.map((f) => `${f.reason}: ${f.why}`).join(" · ");
      row.appendChild(el("div", "why line", why));
      row.title = why;
    } else {
      const l = it.loose;
      check.checked = looseChecked.has(it.k);
      check.addEventListener("click", (ev) => {
        ev.stopPropagation();
        if (check.checked) looseChecked.add(it.k); else looseChecked.delete(it.k);
        doubtList.refresh(n);
      });
      if (looseChecked.has(it.k)) row.classList.add("checked");
      head.append(badges([l.reason]), el("span", "where", `no cue · ${clock(l.start_ms)} → ${clock(l.end_ms)}`));
      row.appendChild(head);
      for (const [lang, text] of Object.entries(l.texts)) {
        const d = el("div", "line");
        d.append(el("span", "lang", lang), document.createTextNode(text));
        row.appendChild(d);
      }
      row.appendChild(el("div", "why line", l.why));
      row.title = `${DATA.reasons[l.reason]}: ${l.why}`;
    }
    row.addEventListener("click", () => playItem(n));
    return row;
  }

  const cueList = new VList($("cues"), cueRow);
  const doubtList = new VList($("doubtful"), itemRow);

  function rowHeight(track) {
    let lines = 1;
    for (const c of track.cues) lines = Math.max(lines, stacked(c, track.langs).length);
    const flagged = track.cues.some((c) => c.flags.length) ? 1 : 0;
    return Math.max(3, Math.min(6, lines) + flagged) * LINE_PX + 10;
  }
  function showTrack(code) {
    const track = byCode.get(code);
    if (!track) throw new Error(`no track ${code}`);
    current = track;
    $("track-select").value = code;
    selected = null; activeIndex = -1;
    cueList.reset(track.cues.length, rowHeight(track));
    items = itemsFor(track);
    doubtList.reset(items.length, (track.langs.length > 1 ? 4 : 3) * LINE_PX + 12);
    $("cue-count").textContent = `(${track.cues.length})`;
    $("doubtful-count").textContent = `(${items.length})`;
    renderEditor();
    draw();
  }

  // --- audio ----------------------------------------------------------------------------------
  function seek(ms) {
    ms = Math.max(0, Math.min(ms, DATA.duration_ms));
    lastSeekMs = ms;
    audio.currentTime = ms / 1000;
    keepInView(ms);
    tick();
  }
  function play(fromMs, toMs) {
    seek(fromMs);
    stopAt = toMs;
    const started = audio.play();
    if (started && started.catch) started.catch((err) => { stopAt = null; console.warn("playback:", err); });
  }
  function playCue(track, i) {
    const c = track.cues[i];
    play(c.s, c.e + TAIL_MS);
  }
  function playItem(n) {
    const it = items[n];
    if (!it) return;
    if (it.cue) select(current, it.i, true);
    play(Math.max(0, it.s - DATA.pre_roll_ms), it.e + TAIL_MS);
  }
  function keepInView(ms) {
    if (ms < view.start || ms > view.start + view.span * 0.9) {
      view.start = Math.max(0, Math.min(ms - view.span * 0.1, DATA.duration_ms - view.span * 0.5));
    }
  }
  function tick() {
    const ms = audio.currentTime * 1000;
    $("clock").textContent = stamp(ms, ".");
    if (stopAt !== null && ms >= stopAt && !audio.paused) { audio.pause(); stopAt = null; }
    if (!audio.paused && $("follow").checked) keepInView(ms);
    const k = cueAt(current.cues, ms);
    if (k !== activeIndex) {
      const old = activeIndex;
      activeIndex = k;
      if (old >= 0) cueList.refresh(old);
      if (k >= 0) {
        cueList.refresh(k);
        if (!audio.paused && $("follow").checked) cueList.show(k, false);
      }
    }
    draw();
  }
  function loop() { tick(); if (!audio.paused) requestAnimationFrame(loop); }
  audio.addEventListener("play", () => requestAnimationFrame(loop));
  audio.addEventListener("seeked", tick);
  audio.addEventListener("pause", () => { stopAt = null; tick(); });

  // --- selection and edits -----------------------------------------------------------------
  function select(track, i, center) {
    if (track !== current) showTrack(track.code);
    const old = selected;
    selected = { track, i };
    if (old && old.track === track) cueList.refresh(old.i);
    cueList.refresh(i);
    cueList.show(i, !!center);
    const n = items.findIndex((it) => it.cue && it.i === i);
    if (n >= 0) doubtList.show(n, false);
    renderEditor();
    keepInView(track.cues[i].s);
    draw();
  }
  function changed(track, i) {
    dirty = true;
    if (track === current) {
      cueList.refresh(i);
      const n = items.findIndex((it) => it.cue && it.i === i);
      if (n >= 0) doubtList.refresh(n);
    }
    if (selected && selected.track === track && selected.i === i) renderEditor();
    draw();
  }
  function setTimes(track, i, s, e) {
    const cues = track.cues, c = cues[i];
    const lo = i > 0 ? cues[i - 1].e : 0;
    const hi = i + 1 < cues.length ? cues[i + 1].s : Math.max(DATA.duration_ms, c.e);
    s = Math.round(Math.max(lo, Math.min(s, hi - 1)));
    e = Math.round(Math.max(s + 1, Math.min(e, hi)));
    if (s !== c.s) c.touched.s = true;
    if (e !== c.e) c.touched.e = true;
    c.s = s; c.e = e;
    changed(track, i);
    return [s, e];
  }
  function nudge(side, delta) {
    if (!selected) return;
    const { track, i } = selected, c = track.cues[i];
    if (side === "in") setTimes(track, i, Math.min(c.s + delta, c.e - 1), c.e);
    else setTimes(track, i, c.s, Math.max(c.e + delta, c.s + 1));
  }
  function setText(track, i, lines) {
    const c = track.cues[i];
    const clean = {};
    for (const [lang, ls] of Object.entries(lines)) clean[lang] = ls.map((l) => l.trim()).filter((l) => l);
    if (JSON.stringify(clean) === JSON.stringify(c.lines)) return;
    c.lines = clean; c.touched.text = true;
    changed(track, i);
  }
  function markChecked(track, i, on) {
    const c = track.cues[i];
    for (const r of reasonsOf(c)) if (on) c.checked.add(r); else c.checked.delete(r);
    changed(track, i);
  }
  function renderEditor() {
    const body = $("editor-body");
    body.textContent = "";
    if (!selected) { body.appendChild(el("p", "muted", "Click a cue or an item to check.")); return; }
    const { track, i } = selected, c = track.cues[i];
    const head = el("div");
    head.appendChild(el("b", "", `${track.code} #${i + 1}`));
    if (c.speaker) head.appendChild(document.createTextNode(` · ${c.speaker}`));
    head.appendChild(document.createTextNode(` · ${((c.e - c.s) / 1000).toFixed(3)} s`));
    body.appendChild(head);
    const times = el("div", "times");
    for (const side of ["in", "out"]) {
      times.appendChild(el("span", "muted", side));
      times.appendChild(el("span", "stamp", clock(side === "in" ? c.s : c.e)));
      const n = el("span", "nudge");
      for (const [label, d, key] of [["−100", -STEP_MS, "Shift+"], ["−1f", -FRAME_MS, ""], ["+1f", FRAME_MS, ""], ["+100", STEP_MS, "Shift+"]]) {
        const b = el("button", "", label);
        const k = side === "in" ? (d < 0 ? "[" : "]") : (d < 0 ? "," : ".");
        b.title = `${side}-time ${d > 0 ? "+" : ""}${d} ms (${key}${k})`;
        b.dataset.side = side; b.dataset.delta = String(d);
        b.addEventListener("click", () => nudge(side, d));
        n.appendChild(b);
      }
      times.appendChild(n);
    }
    body.appendChild(times);
    const buttons = el("div");
    const playB = el("button", "", "▶ play cue (Enter)");
    playB.addEventListener("click", () => playCue(track, i));
    const undo = el("button", "", "undo edits");
    undo.title = "back to the times and text this run wrote";
    undo.addEventListener("click", () => {
      c.s = c.orig.s; c.e = c.orig.e; c.lines = JSON.parse(c.orig.lines);
      c.touched = { s: false, e: false, text: false };
      changed(track, i);
    });
    buttons.append(playB, document.createTextNode(" "), undo);
    body.appendChild(buttons);
    const areas = {};
    const langs = [...track.langs, ...Object.keys(c.lines).filter((l) => !track.langs.includes(l))];
    for (const lang of langs) {
      const label = el("div", "muted", lang);
      const ta = el("textarea");
      ta.value = (c.lines[lang] || []).join("\n");
      ta.dataset.lang = lang;
      ta.rows = Math.max(2, (c.lines[lang] || []).length);
      areas[lang] = ta;
      body.append(label, ta);
    }
    const apply = el("button", "", "apply text");
    apply.id = "apply-text";
    apply.addEventListener("click", () => {
      const lines = {};
      for (const [lang, ta] of Object.entries(areas)) lines[lang] = ta.value.split("\n");
      setText(track, i, lines);
    });
    body.appendChild(apply);
    const others = partner(c);
    for (const [lang, text] of Object.entries(others)) {
      const p = el("p", "line muted");
      p.append(el("span", "lang", lang), document.createTextNode(text));
      body.appendChild(p);
    }
    if (c.flags.length) {
      const ul = el("ul", "why");
      for (const f of c.flags) {
        const li = el("li");
        const box = el("input");
        box.type = "checkbox"; box.checked = c.checked.has(f.reason); box.title = "checked";
        box.addEventListener("change", () => {
          if (box.checked) c.checked.add(f.reason); else c.checked.delete(f.reason);
          changed(track, i);
        });
        li.append(box, badges([f.reason], c), document.createTextNode(` ${f.why}`));
        ul.appendChild(li);
      }
      body.appendChild(ul);
    }
  }

  // --- waveform -------------------------------------------------------------------------------
  const wave = $("wave"), overview = $("overview");
  function fit(canvas) {
    const dpr = window.devicePixelRatio || 1, w = canvas.clientWidth || 800;
    const h = Number(canvas.getAttribute("height"));
    if (canvas.width !== Math.round(w * dpr)) {
      canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
      canvas.style.height = `${h}px`;
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return [ctx, w, h];
  }
  function peakAt(t0, t1) {
    let b0 = Math.floor(t0 / BIN_MS);
    const b1 = Math.max(b0 + 1, Math.ceil(t1 / BIN_MS));
    let v = 0;
    for (; b0 < b1 && b0 < peaks.length; b0++) if (peaks[b0] > v) v = peaks[b0];
    return v / 255;
  }
  function draw() {
    const [ctx, w, h] = fit(wave);
    ctx.clearRect(0, 0, w, h);
    const x = (ms) => ((ms - view.start) / view.span) * w;
    const cues = current.cues;
    ctx.font = "11px system-ui, sans-serif";
    for (let k = firstEndingAfter(cues, view.start); k < cues.length && cues[k].s < view.start + view.span; k++) {
      const c = cues[k], x0 = x(c.s), x1 = x(c.e);
      const isSel = selected && selected.track === current && selected.i === k;
      ctx.fillStyle = isSel ? "rgba(37,99,235,.18)" : c.flags.length && !allChecked(c) ? "rgba(217,119,6,.14)" : "rgba(37,99,235,.07)";
      ctx.fillRect(x0, 0, x1 - x0, h);
      ctx.fillStyle = "#15803d"; ctx.fillRect(x0, 0, 1.5, h);
      ctx.fillStyle = "#b91c1c"; ctx.fillRect(x1 - 1.5, 0, 1.5, h);
      ctx.save(); ctx.beginPath(); ctx.rect(x0 + 3, 0, Math.max(0, x1 - x0 - 6), h); ctx.clip();
      ctx.fillStyle = "#1d2330";
      const first = stacked(c, current.langs)[0];
      ctx.fillText(`#${k + 1} ${first ? first[1] : ""}`, x0 + 4, 12);
      ctx.restore();
    }
    drawShots(ctx, x, view.start, view.start + view.span, h, true);
    ctx.fillStyle = "#64748b";
    const mid = h / 2 + 6, amp = h / 2 - 12;
    for (let px = 0; px < w; px++) {
      const t0 = view.start + (px / w) * view.span;
      const v = peakAt(t0, t0 + view.span / w) * amp;
      if (v > 0.3) ctx.fillRect(px, mid - v, 1, 2 * v);
    }
    const now = x(audio.currentTime * 1000);
    ctx.fillStyle = "#dc2626"; ctx.fillRect(now - 1, 0, 2, h);
    drawOverview();
  }
  function drawOverview() {
    const [ctx, w, h] = fit(overview);
    ctx.clearRect(0, 0, w, h);
    const total = Math.max(1, DATA.duration_ms), x = (ms) => (ms / total) * w;
    ctx.fillStyle = "#cbd5e1";
    for (let px = 0; px < w; px++) {
      const v = peakAt((px / w) * total, ((px + 1) / w) * total) * (h / 2 - 2);
      if (v > 0.3) ctx.fillRect(px, h / 2 - v, 1, 2 * v);
    }
    drawShots(ctx, x, 0, total, h, false);
    ctx.fillStyle = "#d97706";
    for (const c of current.cues) if (c.flags.length && !allChecked(c)) ctx.fillRect(x(c.s), 0, Math.max(1.5, x(c.e) - x(c.s)), 5);
    ctx.strokeStyle = "#2563eb"; ctx.strokeRect(x(view.start), 0.5, Math.max(2, x(view.span)), h - 1);
    ctx.fillStyle = "#dc2626"; ctx.fillRect(x(audio.currentTime * 1000) - 1, 0, 2, h);
  }
  function waveMs(ev) {
    const r = wave.getBoundingClientRect();
    return view.start + ((ev.clientX - r.left) / r.width) * view.span;
  }
  function edgeAt(ev) {
    const r = wave.getBoundingClientRect(), ms = waveMs(ev), tol = (EDGE_PX / r.width) * view.span;
    const cues = current.cues;
    for (let k = Math.max(0, firstEndingAfter(cues, ms - tol) - 1); k < cues.length && cues[k].s <= ms + tol; k++) {
      if (Math.abs(cues[k].s - ms) <= tol) return { i: k, side: "in" };
      if (Math.abs(cues[k].e - ms) <= tol) return { i: k, side: "out" };
    }
    return null;
  }
  let drag = null;
  wave.addEventListener("mousedown", (ev) => {
    const edge = edgeAt(ev);
    drag = edge ? { ...edge, moved: false } : { seek: true };
    if (edge) select(current, edge.i);
    ev.preventDefault();
  });
  window.addEventListener("mousemove", (ev) => {
    if (!drag) { wave.style.cursor = edgeAt(ev) ? "ew-resize" : "crosshair"; return; }
    if (drag.seek) return;
    const c = current.cues[drag.i], ms = waveMs(ev);
    drag.moved = true;
    if (drag.side === "in") setTimes(current, drag.i, Math.min(ms, c.e - 1), c.e);
    else setTimes(current, drag.i, c.s, Math.max(ms, c.s + 1));
  });
  window.addEventListener("mouseup", (ev) => {
    if (drag && drag.seek) seek(waveMs(ev));
    drag = null;
  });
  overview.addEventListener("click", (ev) => {
    const r = overview.getBoundingClientRect();
    const ms = ((ev.clientX - r.left) / r.width) * DATA.duration_ms;
    view.start = Math.max(0, ms - view.span / 2);
    seek(ms);
  });
  function zoom(factor) {
    const centre = view.start + view.span / 2;
    view.span = Math.max(2000, Math.min(Math.max(DATA.duration_ms, 2000), view.span * factor));
    view.start = Math.max(0, centre - view.span / 2);
    draw();
  }
  $("zoom-in").addEventListener("click", () => zoom(0.5));
  $("zoom-out").addEventListener("click", () => zoom(2));
  window.addEventListener("resize", draw);

  // --- export ---------------------------------------------------------------------------------
  const escVtt = (t) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  function exportTrack(code, fmt) {
    const track = byCode.get(code);
    if (!track) throw new Error(`no track ${code}`);
    const how = DATA.export || { voices: true, bom: false, crlf: false };
    if (fmt === "srt") {
      const text = track.cues.map((c, k) => `${k + 1}\n${clock(c.s)} --> ${clock(c.e)}\n${stacked(c, track.langs).map((p) => p[1]).join("\n")}\n\n`).join("");
      return (how.bom ? "\ufeff" : "") + (how.crlf ? text.replace(/\n/g, "\r\n") : text);
    }
    if (fmt !== "vtt") throw new Error(`format ${fmt}: srt or vtt`);
    let out = "WEBVTT\n";
    for (const c of track.cues) {
      const pairs = stacked(c, track.langs);
      const tag = new Set(pairs.map((p) => p[0])).size > 1;
      const lines = pairs.map(([lang, line]) => (tag ? `<lang ${lang}>${escVtt(line)}</lang>` : escVtt(line)));
      if (how.voices && c.speaker && lines.length) lines[0] = `<v ${escVtt(c.speaker).split(/\s+/).filter((x) => x).join(" ")}>${lines[0]}`;
      out += `\n${stamp(c.s, ".")} --> ${stamp(c.e, ".")}\n${lines.join("\n")}\n`;
    }
    return out;
  }
  function exportCorrections() {
    const entries = [], used = new Set();
    for (const t of tracks) {
      for (const c of t.cues) {
        const f = c.entry >= 0 ? DATA.corrections[c.entry] : null;
        if (f) used.add(c.entry);
        const out = { track: t.code, was: f ? f.was : { start_ms: c.orig.s, end_ms: c.orig.e, lines: JSON.parse(c.orig.lines) } };
        let any = false;
        if (c.touched.s || (f && "start_ms" in f)) { out.start_ms = c.s; any = true; }
        if (c.touched.e || (f && "end_ms" in f)) { out.end_ms = c.e; any = true; }
        if (c.touched.text || (f && f.lines)) { out.lines = c.lines; any = true; }
        if (c.checked.size) { out.checked = [...c.checked].sort(); any = true; }
        if (any) entries.push(out);
      }
    }
    DATA.corrections.forEach((f, k) => { if (!used.has(k)) entries.push(f); }); // stale: kept as they were
    const file = { format: "subweave-corrections", version: 1, episode: DATA.episode, audio_sha256: DATA.audio_sha256, corrections: entries };
    return JSON.stringify(file, null, 1) + "\n";
  }
  function download(name, text, mime) {
    const a = el("a");
    a.href = URL.createObjectURL(new Blob([text], { type: mime }));
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
  }
  $("export-srt").addEventListener("click", () => download(`${DATA.stem}.${current.code}.srt`, exportTrack(current.code, "srt"), "application/x-subrip"));
  $("export-vtt").addEventListener("click", () => download(`${DATA.stem}.${current.code}.vtt`, exportTrack(current.code, "vtt"), "text/vtt"));
  $("export-corrections").addEventListener("click", () => {
    download(`${DATA.stem}.corrections.json`, exportCorrections(), "application/json");
    dirty = false;
  });
  window.addEventListener("beforeunload", (ev) => { if (dirty) { ev.preventDefault(); ev.returnValue = ""; } });

  // --- keys -----------------------------------------------------------------------------------
  document.addEventListener("keydown", (ev) => {
    const tag = (ev.target && ev.target.tagName) || "";
    if (["TEXTAREA", "INPUT", "SELECT"].includes(tag) || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const step = ev.shiftKey ? STEP_MS : FRAME_MS;
    const move = (d) => {
      const n = current.cues.length;
      if (!n) return;
      const i = selected ? Math.max(0, Math.min(n - 1, selected.i + d)) : 0;
      select(current, i); seek(current.cues[i].s);
    };
    const nextItem = (d) => {
      if (!items.length) return;
      const at = selected ? selected.track.cues[selected.i].s : audio.currentTime * 1000;
      let n = d > 0 ? items.findIndex((it) => it.s > at) : items.length - 1 - [...items].reverse().findIndex((it) => it.s < at);
      if (n < 0 || n >= items.length) n = d > 0 ? 0 : items.length - 1;
      doubtList.show(n, true);
      playItem(n);
    };
    const actions = {
      Space: () => (audio.paused ? audio.play() : audio.pause()),
      ArrowDown: () => move(1), ArrowUp: () => move(-1),
      BracketLeft: () => nudge("in", -step), BracketRight: () => nudge("in", step),
      Comma: () => nudge("out", -step), Period: () => nudge("out", step),
      Enter: () => selected && playCue(selected.track, selected.i),
      KeyE: () => { const ta = document.querySelector("#editor textarea"); if (ta) ta.focus(); },
      KeyC: () => selected && markChecked(selected.track, selected.i, !allChecked(selected.track.cues[selected.i])),
      KeyN: () => nextItem(ev.shiftKey ? -1 : 1),
      Equal: () => zoom(0.5), NumpadAdd: () => zoom(0.5), Minus: () => zoom(2), NumpadSubtract: () => zoom(2),
    };
    const act = actions[ev.code];
    if (act) { ev.preventDefault(); act(); }
  });

  // --- start ----------------------------------------------------------------------------------
  const pick = $("track-select");
  for (const t of tracks) {
    const flagged = t.cues.filter((c) => c.flags.length).length;
    const o = el("option", "", `${t.code}: ${t.cues.length} cues, ${flagged} flagged`);
    o.value = t.code;
    pick.appendChild(o);
  }
  pick.addEventListener("change", () => showTrack(pick.value));
  if (tracks.length) showTrack(current.code);
  const api = {
    version: DATA.version,
    audio,
    tracks: () => tracks.map((t) => t.code),
    current: () => current.code,
    showTrack,
    cues: (code) => byCode.get(code).cues.map((c) => ({
      start_ms: c.s, end_ms: c.e, lines: c.lines, speaker: c.speaker,
      flags: reasonsOf(c), checked: [...c.checked].sort(),
    })),
    items: () => items.map((it) => (it.cue ? { cue: it.i, start_ms: it.s, end_ms: it.e } : { reason: it.loose.reason, start_ms: it.s, end_ms: it.e })),
    select: (code, i) => select(byCode.get(code), i, true),
    selected: () => (selected ? { track: selected.track.code, cue: selected.i } : null),
    seek,
    playItem,
    setTimes: (code, i, s, e) => setTimes(byCode.get(code), i, s, e),
    setText: (code, i, lines) => setText(byCode.get(code), i, lines),
    check: (code, i, on) => markChecked(byCode.get(code), i, on !== false),
    exportTrack,
    exportCorrections,
    shots: () => SHOTS.slice(),
    get lastSeekMs() { return lastSeekMs; },
    ready: true,
  };
  window.subweave = api;
})();
