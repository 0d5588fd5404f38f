// The reader: mark a selected passage as a claim, and open a highlight's claim.
//
// Offsets. Each paragraph (.para) carries data-start, the code-point offset of its first
// character in the capture's text; the line breaks between paragraphs are not in the DOM.
// DOM ranges count UTF-16 code units, the server counts Unicode code points (an emoji is two
// units but one code point), so this script converts: it measures the text from the start of
// the paragraph to the selection boundary and counts its code points. The server re-reads the
// quote at those offsets and checks it against the selected text.
(function () {
  "use strict";

  const text = document.getElementById("capture-text");
  if (!text) return;
  const panel = document.getElementById("claim-panel");

  function codePoints(s) {
    let n = 0;
    for (const _ of s) n += 1; // iterates by code point, not by UTF-16 unit
    return n;
  }

  function paragraphs() {
    return Array.from(text.querySelectorAll(".para"));
  }

  // The capture offset (code points) of a DOM boundary point. Points outside a paragraph (in
  // the gap between two, or outside the text) snap to the nearest paragraph edge.
  function captureOffset(node, offset, isEnd) {
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    const para = element && element.closest(".para");
    if (para && text.contains(para)) {
      const range = document.createRange();
      range.setStart(para, 0);
      range.setEnd(node, offset);
      return Number(para.dataset.start) + codePoints(range.toString());
    }
    const paras = paragraphs();
    for (let i = 0; i < paras.length; i += 1) {
      const range = document.createRange();
      range.selectNodeContents(paras[i]);
      if (range.comparePoint(node, offset) < 0) {
        if (isEnd && i > 0) return Number(paras[i - 1].dataset.end);
        return Number(paras[i].dataset.start);
      }
    }
    return paras.length ? Number(paras[paras.length - 1].dataset.end) : 0;
  }

  // The selected span as {start, end, quote}, trimmed of surrounding whitespace, or null.
  function selectedSpan() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!range.intersectsNode(text)) return null;
    const start = captureOffset(range.startContainer, range.startOffset, false);
    const end = captureOffset(range.endContainer, range.endOffset, true);
    if (!(start < end)) return null;
    const chars = [];
    const pieces = [];
    for (const para of paragraphs()) {
      const pStart = Number(para.dataset.start);
      const pEnd = Number(para.dataset.end);
      if (pEnd <= start || pStart >= end) continue;
      const cps = Array.from(para.textContent);
      const from = Math.max(start, pStart);
      const to = Math.min(end, pEnd);
      for (let i = from; i < to; i += 1) chars.push({ offset: i, ch: cps[i - pStart] });
      pieces.push(cps.slice(from - pStart, to - pStart).join(""));
    }
    let first = 0;
    let last = chars.length - 1;
    while (first <= last && /\s/.test(chars[first].ch)) first += 1;
    while (last >= first && /\s/.test(chars[last].ch)) last -= 1;
    if (first > last) return null;
    return {
      start: chars[first].offset,
      end: chars[last].offset + 1,
      quote: pieces.join("\n").trim(),
    };
  }

  // Marking: keep the last passage selected in the text, so that moving to the button
  // (mouse or Tab) does not lose it.
  const form = document.getElementById("mark-form");
  if (form) {
    const button = document.getElementById("mark-button");
    const hint = document.getElementById("mark-hint");
    const startInput = document.getElementById("mark-start");
    const endInput = document.getElementById("mark-end");
    const selectedInput = document.getElementById("mark-selected");
    document.addEventListener("selectionchange", function () {
      const span = selectedSpan();
      if (!span) return;
      startInput.value = String(span.start);
      endInput.value = String(span.end);
      selectedInput.value = span.quote;
      selectedInput.disabled = false;
      button.disabled = false;
      const shown = span.quote.length > 80 ? span.quote.slice(0, 79) + "…" : span.quote;
      // The words around the quote come from the page, in its language (data-selected).
      hint.textContent = (hint.dataset.selected || "Selected: “{quote}”").replace("{quote}", shown);
    });
    form.addEventListener("submit", function (event) {
      if (!startInput.value || !endInput.value) event.preventDefault();
    });
  }

  // Highlights: open the claim in the side panel (htmx), or on its own page without htmx.
  function openClaim(mark) {
    const url = mark.dataset.url;
    text.querySelectorAll("mark.active").forEach(function (m) {
      m.classList.remove("active");
    });
    text
      .querySelectorAll('mark[data-appearance="' + mark.dataset.appearance + '"]')
      .forEach(function (m) {
        m.classList.add("active");
      });
    if (window.htmx && panel) {
      window.htmx.ajax("GET", url, { target: "#claim-panel", swap: "innerHTML" }).then(function () {
        panel.focus();
      });
    } else {
      window.location.assign(url);
    }
  }

  text.addEventListener("click", function (event) {
    const mark = event.target.closest("mark.hl");
    const selection = window.getSelection();
    if (mark && (!selection || selection.isCollapsed)) openClaim(mark);
  });
  text.addEventListener("keydown", function (event) {
    const mark = event.target.closest("mark.hl[tabindex]");
    if (mark && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      openClaim(mark);
    }
  });
})();
