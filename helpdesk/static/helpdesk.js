/* helpdesk: progressive upgrades only. Every page works without this file.
 *
 * Live suggestions: a text input with data-suggest="<url>" asks the suggest API as the
 * user types (debounced, earlier requests aborted) and lists the answers in the element
 * named by data-suggestions-for. Server strings are inserted with textContent only.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 200;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Build the snippet from plain text and [start, end] offsets: <mark> nodes, never HTML.
  function snippetNode(snippet, highlights) {
    var span = el("span", "snippet");
    var pos = 0;
    (highlights || []).forEach(function (range) {
      var start = range[0], end = range[1];
      if (start < pos || end > snippet.length) return;
      if (start > pos) span.appendChild(document.createTextNode(snippet.slice(pos, start)));
      span.appendChild(el("mark", null, snippet.slice(start, end)));
      pos = end;
    });
    if (pos < snippet.length) span.appendChild(document.createTextNode(snippet.slice(pos)));
    return span;
  }

  function render(box, data, emptyText) {
    box.textContent = "";
    if (!data.results.length) {
      box.appendChild(el("p", "empty", emptyText));
    } else {
      var list = el("ul");
      data.results.forEach(function (result) {
        var item = el("li");
        var link = el("a");
        link.href = result.url;
        link.appendChild(el("span", "title", result.title));
        link.appendChild(snippetNode(result.snippet, result.highlights));
        item.appendChild(link);
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    box.hidden = false;
  }

  function attach(input) {
    var box = document.querySelector('[data-suggestions-for="' + input.id + '"]');
    if (!box) return;
    box.setAttribute("aria-live", "polite");
    var timer = null, controller = null;
    var emptyText = box.getAttribute("data-empty") || "No matching articles yet. Keep typing, or contact support.";

    function ask() {
      var q = input.value.trim();
      if (controller) controller.abort();
      if (q.length < 2) { box.hidden = true; box.textContent = ""; return; }
      controller = new AbortController();
      var url = input.getAttribute("data-suggest") + "?q=" + encodeURIComponent(input.value);
      fetch(url, { signal: controller.signal, headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) render(box, data, emptyText); })
        .catch(function (err) { if (err.name !== "AbortError") box.hidden = true; });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DEBOUNCE_MS);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { box.hidden = true; }
      if (event.key === "ArrowDown" && !box.hidden) {
        var first = box.querySelector("a");
        if (first) { event.preventDefault(); first.focus(); }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-suggest]").forEach(attach);
  });
})();
