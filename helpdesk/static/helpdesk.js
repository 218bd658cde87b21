/* helpdesk: progressive upgrades only. Every page works without this file.
 *
 * Live suggestions: a text input with data-suggest="<url>" asks the suggest API as the
 * user types (debounced, earlier requests aborted) and lists the answers in the element
 * named by data-suggestions-for. data-suggest-also="<id>" sends another field's text (the
 * request form's description) as `also`, which the server weighs less than the input's
 * own text. The input becomes a WAI-ARIA combobox (arrow keys, Enter, Escape; a polite
 * count). Server strings are inserted with textContent only.
 *
 * The request form: drafts kept in localStorage while typing (restored when the person
 * comes back from an article, in the same tab or another), the browser's environment
 * (language, time zone, screen) added to the technical details, and files checked against
 * the size and count limits before anything is uploaded. Its "Find answers" button asks
 * in place instead of sending the form back and forth, so chosen files stay chosen.
 *
 * A requester's reply: Preview renders in place, so chosen files stay chosen.
 *
 * The agent desk's reply form: help articles found as the agent types and saved replies
 * inserted at the cursor, instead of the server round trip the same buttons make without JS.
 * The queue's bulk bar shows once a request is ticked; the phone menu closes on Escape.
 * Every page remembers the browser's time zone in a cookie, so times read in it. A
 * "Did you mean" address fills its field in place.
 *
 * Texts: every sentence a person reads goes through t("English text", {name: value}) or
 * tn(singular, plural, count, {...}); the page carries their translations for its
 * language in <script type="application/json" id="texts"> (helpdesk/script_texts.py), and
 * pybabel extracts them from this file (babel.cfg). An English page carries none.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;

  var texts = null;
  function catalog() {
    if (texts === null) {
      var data = document.getElementById("texts");
      try { texts = data ? JSON.parse(data.textContent || "{}") : {}; } catch (e) { texts = {}; }
    }
    return texts;
  }

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && values[name] !== undefined ? String(values[name]) : whole;
    });
  }

  // The translation of `text` (its English is the key), with %(name)s filled from `values`.
  function t(text, values) {
    var found = catalog().messages;
    return fill(typeof (found && found[text]) === "string" ? found[text] : text, values);
  }

  // Plural forms: `count` picks the form by the language's rule; %(num)s is the count.
  function tn(singular, plural, count, values) {
    var all = catalog(), forms = all.plurals && all.plurals[singular];
    var many = all.plural_rule === "n>1" ? count > 1 : count !== 1;
    var text = forms ? forms[many ? 1 : 0] : (many ? plural : singular);
    return fill(text, Object.assign({ num: count }, values || {}));
  }

  // A translated sentence with nodes (a button, a link) in its %(name)s places.
  function tNodes(text, nodes) {
    var found = catalog().messages, parts = [];
    var translated = typeof (found && found[text]) === "string" ? found[text] : text;
    translated.split(/(%\(\w+\)s)/).forEach(function (piece) {
      var name = (piece.match(/^%\((\w+)\)s$/) || [])[1];
      if (name && nodes[name]) parts.push(nodes[name]);
      else if (piece) parts.push(document.createTextNode(piece));
    });
    return parts;
  }

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

  var uid = 0;

  function optionNode(result, newTab) {
    var link = el("a");
    link.href = result.url;
    link.id = "answer-option-" + (++uid);
    link.tabIndex = -1;  // focus stays in the text box; aria-activedescendant points here
    link.setAttribute("role", "option");
    link.setAttribute("aria-selected", "false");
    if (newTab) { link.target = "_blank"; link.rel = "noopener"; }
    link.appendChild(el("span", "title", result.title));
    link.appendChild(snippetNode(result.snippet, result.highlights));
    return link;
  }

  function render(box, data, emptyText) {
    box.textContent = "";
    if (!data.results.length) {
      box.appendChild(el("p", "empty", emptyText));
    } else {
      var list = el("div");
      list.id = "answer-list-" + (++uid);
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", t("Suggested answers"));
      data.results.forEach(function (result) {
        list.appendChild(optionNode(result, box.hasAttribute("data-open-new-tab")));
      });
      box.appendChild(list);
    }
    box.hidden = false;
    box.dispatchEvent(new CustomEvent("suggestions:shown", { detail: data.results.length }));
  }

  function countText(count, newTab) {
    if (!count) return t("No matching articles.");
    return tn("%(num)s help article matches.", "%(num)s help articles match.", count) + " " +
      (newTab ? t("Up and down arrows choose one, Enter opens it in a new tab.")
              : t("Up and down arrows choose one, Enter opens it."));
  }

  // The WAI-ARIA APG combobox with list autocomplete: Down and Up move through the options,
  // Enter opens the one reached, Escape closes the list (and keeps what was typed).
  function combobox(input, box) {
    var status = el("p", "visually-hidden");
    status.setAttribute("role", "status");
    box.parentNode.insertBefore(status, box.nextSibling);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    var active = -1;

    function options() {
      return box.hidden ? [] : Array.prototype.slice.call(box.querySelectorAll('[role="option"]'));
    }
    function highlight(index) {
      var all = options();
      active = index < all.length ? index : -1;
      all.forEach(function (option, i) {
        option.setAttribute("aria-selected", String(i === active));
      });
      if (active < 0) { input.removeAttribute("aria-activedescendant"); return; }
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    }
    function expanded(open) {
      box.hidden = !open;
      input.setAttribute("aria-expanded", String(open && !!box.querySelector('[role="listbox"]')));
      highlight(-1);
    }
    function move(step) {
      if (box.hidden && box.querySelector('[role="option"]')) expanded(true);
      var count = options().length;
      if (!count) return false;
      highlight(active < 0 ? (step > 0 ? 0 : count - 1) : (active + step + count) % count);
      return true;
    }
    input.addEventListener("keydown", function (event) {
      var handled = false;
      if (event.key === "ArrowDown") handled = move(1);
      else if (event.key === "ArrowUp") handled = move(-1);
      else if (event.key === "Enter" && active >= 0) { options()[active].click(); handled = true; }
      else if (event.key === "Escape" && !box.hidden) { expanded(false); handled = true; }
      if (handled) event.preventDefault();
    });
    return {
      shown: function (count) {
        var list = box.querySelector('[role="listbox"]');
        if (list) input.setAttribute("aria-controls", list.id);
        expanded(true);
        status.textContent = countText(count, box.hasAttribute("data-open-new-tab"));
      },
      cleared: function () { box.textContent = ""; expanded(false); status.textContent = ""; }
    };
  }

  function suggestUrl(base, q, also) {
    var url = new URL(base, window.location.href);
    url.searchParams.set("q", q);
    if (also) url.searchParams.set("also", also);
    return url.toString();
  }

  function attach(input) {
    var box = document.querySelector('[data-suggestions-for="' + input.id + '"]');
    if (!box) return;
    var also = input.getAttribute("data-suggest-also");
    var other = also ? document.getElementById(also) : null;
    var timer = null, controller = null;
    var emptyText = box.getAttribute("data-empty") || t("No matching articles yet. Keep typing, or contact support.");
    var combo = combobox(input, box);

    function ask() {
      // The summary leads; the description only sharpens it (sent apart, weighed less).
      var q = input.value, extra = other ? other.value.trim().slice(0, 1000) : "";
      if (controller) controller.abort();
      if (q.trim().length < 2 && extra.length < 2) { combo.cleared(); return; }
      controller = new AbortController();
      fetch(suggestUrl(input.getAttribute("data-suggest"), q, extra),
            { signal: controller.signal, headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          render(box, data, emptyText);
          combo.shown(data.results.length);
        })
        .catch(function (err) { if (err.name !== "AbortError") box.hidden = true; });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(ask, DEBOUNCE_MS);
    }

    input.addEventListener("input", schedule);
    if (other) other.addEventListener("input", schedule);
    // "Find answers" asks at once (see upgradeRequestForm); too little text: back to the box.
    input.addEventListener("suggestions:ask", function () {
      clearTimeout(timer);
      var enough = input.value.trim().length >= 2 || (other && other.value.trim().length >= 2);
      if (!enough) input.focus();
      else ask();
    });
    // A draft restored from storage deserves answers straight away.
    if (input.value.trim().length >= 2 && box.hidden) ask();
  }

  // --- the request form: drafts ----------------------------------------------------------

  var NOT_DRAFTED = ["csrf_token", "submission_token", "website", "suggested"];

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (f) {
      return f.name && NOT_DRAFTED.indexOf(f.name) < 0 && !f.readOnly &&
        (f.tagName === "TEXTAREA" || f.tagName === "SELECT" ||
         (f.tagName === "INPUT" && ["text", "email", "search", "checkbox"].indexOf(f.type) >= 0));
    });
  }

  function isEmpty(form) {
    return draftFields(form).every(function (f) {
      return f.type === "checkbox" ? true : !f.value.trim();
    });
  }

  function keepDraft(form) {
    var key = form.getAttribute("data-draft"), store = storage();
    if (!key || !store) return;
    var saved = null;
    try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
    // Restore only into an empty form: a form the server re-rendered holds newer values.
    if (saved && isEmpty(form)) {
      draftFields(form).forEach(function (f) {
        if (!(f.name in saved)) return;
        if (f.type === "checkbox") f.checked = !!saved[f.name];
        else f.value = saved[f.name];
      });
    }
    var pending = null;
    function save() {
      var data = {};
      draftFields(form).forEach(function (f) { data[f.name] = f.type === "checkbox" ? f.checked : f.value; });
      try { store.setItem(key, JSON.stringify(data)); } catch (e) { /* full or private mode */ }
    }
    form.addEventListener("input", function () { clearTimeout(pending); pending = setTimeout(save, 300); });
    form.addEventListener("change", save);
    // Leaving for an article saves at once, whatever the debounce.
    window.addEventListener("pagehide", save);
  }

  function clearDraft(node) {
    var store = storage();
    if (store) store.removeItem(node.getAttribute("data-clear-draft"));
  }

  // --- the request form: environment -----------------------------------------------------

  // The server writes the same texts (tickets/environment.py) in the page's language.
  function envPart(key, value) {
    if (key === "language") return t("language %(value)s", { value: value });
    if (key === "timezone") return t("time zone %(value)s", { value: value });
    return t("screen %(value)s", { value: value });
  }
  var ENV_KEYS = ["language", "timezone", "screen"];

  // When the form comes back from the server (after a send that failed, or without this
  // script), its line already holds what the browser reported: replace it, never repeat it.
  function detectedParts(base) {
    return base.split(", ").filter(function (part) {
      return !ENV_KEYS.some(function (key) {
        return part.indexOf(envPart(key, "")) === 0;
      });
    });
  }

  function fillEnvironment(form) {
    var line = form.querySelector("[data-env-line]");
    var values = {};
    function set(name, value) {
      var field = form.querySelector('[data-env="' + name + '"]');
      if (field && value) { field.value = value; values[name] = value; }
    }
    set("language", navigator.language || "");
    try { set("timezone", Intl.DateTimeFormat().resolvedOptions().timeZone || ""); } catch (e) { /* old browser */ }
    if (window.screen) set("screen", window.screen.width + "x" + window.screen.height);

    function show() {
      if (!line) return;
      var base = line.getAttribute("data-env-base") || "";
      if (values.os_version && /Windows 10/.test(base)) {
        base = base.replace("Windows 10", parseInt(values.os_version, 10) >= 13 ? "Windows 11" : "Windows 10");
      }
      var parts = base ? detectedParts(base) : [];
      ENV_KEYS.forEach(function (key) {
        if (values[key]) parts.push(envPart(key, values[key]));
      });
      line.textContent = parts.length ? parts.join(", ") : t("Nothing detected.");
    }
    show();
    // User-Agent Client Hints tell Windows 11 from 10 (both send "Windows NT 10.0").
    if (navigator.userAgentData && navigator.userAgentData.getHighEntropyValues) {
      navigator.userAgentData.getHighEntropyValues(["platformVersion"]).then(function (hints) {
        if (navigator.userAgentData.platform === "Windows" && hints.platformVersion) {
          set("os_version", hints.platformVersion);
          show();
        }
      }).catch(function () { /* not allowed: keep what we have */ });
    }
  }

  // --- the request form: files checked before upload -------------------------------------

  function sizeText(bytes) {
    var lang = document.documentElement.lang || "en";
    if (bytes >= 1024 * 1024) {
      var mib = (bytes / (1024 * 1024)).toLocaleString(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false });
      return t("%(size)s MiB", { size: mib });
    }
    return t("%(size)s KiB", { size: Math.max(1, Math.round(bytes / 1024)).toLocaleString(lang, { useGrouping: false }) });
  }

  function checkFiles(input) {
    var maxBytes = parseInt(input.getAttribute("data-max-bytes"), 10);
    var maxCount = parseInt(input.getAttribute("data-max-count"), 10);
    var allowed = (input.getAttribute("data-extensions") || "").split(",");
    var status = document.querySelector("[data-file-status]");

    function update() {
      var problems = [], list = el("ul");
      var files = Array.prototype.slice.call(input.files || []);
      if (files.length > maxCount) problems.push(tn("Choose at most %(num)s file (you chose %(chosen)s).", "Choose at most %(num)s files (you chose %(chosen)s).", maxCount, { chosen: files.length }));
      files.forEach(function (file) {
        list.appendChild(el("li", null, file.name + " (" + sizeText(file.size) + ")"));
        var ext = file.name.indexOf(".") >= 0 ? file.name.split(".").pop().toLowerCase() : "";
        if (file.size > maxBytes) problems.push(t("%(name)s is larger than the limit of %(size)s.", { name: file.name, size: sizeText(maxBytes) }));
        else if (allowed.indexOf(ext) < 0) problems.push(t("%(name)s: this kind of file is not accepted.", { name: file.name }));
      });
      input.setCustomValidity(problems.join(" "));
      if (!status) return;
      status.textContent = "";
      if (files.length) status.appendChild(list);
      problems.forEach(function (p) { status.appendChild(el("p", "error-message", p)); });
    }
    input.addEventListener("change", update);
    update();
  }

  function upgradeRequestForm(form) {
    keepDraft(form);
    fillEnvironment(form);
    var files = form.querySelector('input[type="file"][data-max-bytes]');
    if (files) checkFiles(files);
    var find = form.querySelector("[data-find-answers]");
    var summary = form.querySelector("input[data-suggest]");
    if (find && summary) {
      find.addEventListener("click", function (event) {
        event.preventDefault();
        summary.dispatchEvent(new CustomEvent("suggestions:ask"));
      });
    }
    var shown = form.querySelector('input[name="suggested"]');
    var box = document.querySelector("[data-suggestions-for]");
    if (shown && box) {
      box.addEventListener("suggestions:shown", function (event) {
        var before = parseInt(shown.value, 10) || 0;
        shown.value = String(Math.max(before, event.detail));
      });
    }
    var errors = document.getElementById("error-summary");
    if (errors) errors.focus();
  }

  // --- the agent desk: article links and saved replies inserted in place -----------------
  // Without this, the same buttons post the form and the server puts the text at the end
  // of the draft. Server strings go into the page with textContent and into the reply as
  // the textarea's value: never as HTML.

  function insertText(textarea, text) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    if (typeof start !== "number" || document.activeElement !== textarea && !textarea.dataset.touched) {
      start = end = textarea.value.length;  // never clicked into: add at the end
    }
    var before = textarea.value.slice(0, start), after = textarea.value.slice(end);
    var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    textarea.value = before + lead + text + after;
    var caret = (before + lead + text).length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function upgradeAgentReply(form) {
    var textarea = form.querySelector("textarea[name='body']");
    if (!textarea) return;
    ["click", "keyup", "input"].forEach(function (name) {
      textarea.addEventListener(name, function () { textarea.dataset.touched = "1"; });
    });

    var kb = form.querySelector("[data-kb-search]");
    var input = kb && kb.querySelector("input[name='kb_q']");
    var box = kb && kb.querySelector("[data-kb-results]");
    if (input && box) {
      var timer = null, controller = null;
      var ask = function () {
        var q = input.value.trim();
        if (controller) controller.abort();
        if (q.length < 2) { box.textContent = ""; return; }
        controller = new AbortController();
        var url = new URL(kb.getAttribute("data-kb-search"), window.location.href);
        url.searchParams.set("q", q);
        fetch(url.toString(), { signal: controller.signal, headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data) return;
            box.textContent = "";
            if (!data.results.length) { box.appendChild(el("p", "muted", t("No articles match “%(query)s”.", { query: q }))); return; }
            var list = el("ul");
            data.results.forEach(function (result) {
              var item = el("li");
              item.appendChild(el("span", "title", result.title));
              var button = el("button", "button button-small button-secondary", t("Insert link"));
              button.type = "button";
              button.addEventListener("click", function () { insertText(textarea, result.link); });
              item.appendChild(button);
              item.appendChild(el("span", "muted small", result.snippet));
              list.appendChild(item);
            });
            box.appendChild(list);
          })
          .catch(function () { /* aborted or offline: the Search button still works */ });
      };
      input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, DEBOUNCE_MS); });
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); clearTimeout(timer); ask(); }
      });
    }

    var select = form.querySelector("select[name='saved_reply']");
    var insertSaved = form.querySelector("button[name='insert_saved']");
    if (select && insertSaved) {
      insertSaved.addEventListener("click", function (event) {
        var option = select.options[select.selectedIndex];
        if (!option || !option.value || !option.hasAttribute("data-text")) return;  // the server explains
        event.preventDefault();
        insertText(textarea, option.getAttribute("data-text"));
      });
    }
  }

  // --- a reply's preview, in place ---------------------------------------------------------
  // Without this, Preview sends the form back and the browser forgets the chosen files.
  // Here the text alone goes to the same address, which answers with the rendered HTML
  // (sanitised on the server, as every message is), and the form is never left.

  function upgradePreview(form) {
    var button = form.querySelector('button[name="preview"]');
    var box = document.getElementById(form.getAttribute("data-preview-in-place"));
    var body = box && box.querySelector(".message-body");
    if (!button || !body) return;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      data.delete("attachments");
      data.set("preview", "1");
      fetch(form.action, { method: "POST", body: data, credentials: "same-origin",
                           headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          if (answer.error) { body.textContent = ""; body.appendChild(el("p", "error-message", answer.error)); }
          else body.innerHTML = answer.html;  // the server's sanitised rendering
          box.hidden = false;
          box.focus();
        })
        .catch(function () { form.requestSubmit(button); });  // offline or odd: the page way
    });
  }

  // --- the agent desk: the side panel's unsaved changes ------------------------------------
  // A status chosen in the panel but not saved becomes the reply's own choice (the line under
  // the buttons says so), the panel lists what is not saved yet, and leaving the page with
  // other unsaved changes or a reply being written asks first. Saving the panel (or another
  // button of the side) keeps the reply's draft for this tab and puts it back, saying so.
  // Without this the reply's choice is there to read.

  function labelOf(select) {
    var label = document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.trim() : select.name;
  }

  function upgradeDeskPanel(panelStatus) {
    var panel = panelStatus.form;
    var note = panel.querySelector("[data-unsaved-note]");
    var reply = document.querySelector("select[data-reply-status]");
    var replyNote = document.querySelector("[data-reply-status-note]");
    var usual = replyNote ? replyNote.textContent : "";
    var replyForm = reply ? reply.form : null;
    var body = replyForm ? replyForm.querySelector('textarea[name="body"]') : null;
    var store = null;
    try { store = window.sessionStorage; } catch (e) { store = null; }
    var key = "helpdesk:desk-reply:" + window.location.pathname;
    var submitted = null;  // the form whose sending is unloading the page
    var kept = store ? store.getItem(key) : null;
    if (store) store.removeItem(key);
    if (kept && body && !body.value.trim()) {
      body.value = kept;
      var told = el("p", "flash flash-info", t("Your reply draft is kept: it has not been sent."));
      told.setAttribute("role", "status");
      body.parentNode.insertBefore(told, body);
    }
    function drafting() { return body && body.value.trim() !== ""; }
    function unsaved() {
      return Array.prototype.filter.call(panel.querySelectorAll("select"), function (select) {
        var option = select.options[select.selectedIndex];
        return option && !option.defaultSelected;
      });
    }
    function carried(select) {  // the reply's choice already sends this status
      return select === panelStatus && reply && reply.value === panelStatus.value;
    }
    function update() {
      var pending = unsaved();
      note.hidden = pending.length === 0;
      note.textContent = pending.length ? t("Not saved yet: %(fields)s. Press Update to save.",
        { fields: pending.map(labelOf).join(", ") }) : "";
    }
    panelStatus.addEventListener("change", function () {
      if (!reply || !reply.querySelector('option[value="' + panelStatus.value + '"]')) return;
      reply.value = panelStatus.value;
      if (replyNote) {
        replyNote.textContent = t("“Send reply” will set the status to “%(status)s”, as chosen in Properties.",
          { status: reply.options[reply.selectedIndex].text }) + " " + usual;
      }
    });
    panel.addEventListener("change", update);
    // Any other form of the page (the panel, "Assign to me", spam) reloads it: keep the draft.
    var draftKept = false;
    document.querySelectorAll("form").forEach(function (form) {
      form.addEventListener("submit", function () {
        submitted = form;
        if (form !== replyForm && drafting() && store) {
          try { store.setItem(key, body.value); draftKept = true; } catch (e) { draftKept = false; }
        }
      });
    });
    window.addEventListener("beforeunload", function (event) {
      var panelLost = submitted !== panel && unsaved().some(function (s) {
        return !(submitted === replyForm && carried(s));
      });
      var draftLost = drafting() && submitted !== replyForm && !draftKept;
      if (!panelLost && !draftLost) return;
      event.preventDefault();
      event.returnValue = "";
    });
    update();
  }

  // --- the queue's bulk bar, the phone menu, the way back from an article ------------------

  // Without this the bar is always there; with it, it appears once a request is ticked.
  function upgradeBulk(bar) {
    var count = bar.querySelector("[data-bulk-count]");
    function update() {
      var ticked = bar.form.querySelectorAll('input[name="ids"]:checked').length;
      bar.hidden = ticked === 0;
      if (count) count.textContent = ticked ? " (" + ticked + ")" : "";
    }
    bar.classList.add("bulk-live");
    bar.form.addEventListener("change", update);
    window.addEventListener("pageshow", update);  // boxes the browser ticked again on Back
    update();
  }

  function upgradeMenu(menu) {
    var summary = menu.querySelector("summary");
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) { menu.open = false; summary.focus(); }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  }

  // Suggested articles open in their own tab, so "back to my request" closes it: the form,
  // files included, is still open in the tab it came from. If the browser keeps this tab
  // (or the article opened in the same tab), going back in history keeps the form too.
  function upgradeBackLink(link) {
    link.addEventListener("click", function (event) {
      if (window.history.length === 1) { window.close(); return; }  // refused: the link works
      var from = document.referrer ? new URL(document.referrer) : null;
      if (from && from.pathname === new URL(link.href).pathname) {
        event.preventDefault();
        window.history.back();
      }
    });
  }

  // "Did you mean name@gmail.com?": the button fills the field in place (without this it
  // brings the form back with the address fixed); what else was chosen stays as it was.
  function upgradeEmailHint(button) {
    button.addEventListener("click", function (event) {
      var field = document.getElementById(button.getAttribute("data-fill-email"));
      var hint = document.getElementById("email-hint");
      if (!field) return;
      event.preventDefault();
      field.value = button.value;
      field.dispatchEvent(new Event("input", { bubbles: true }));
      if (hint) hint.parentNode.removeChild(hint);
      field.focus();
    });
  }

  // The request form asks about the address as soon as it is typed: a "Did you mean" that
  // came back from Send would cost the chosen files. Seen here, the address as typed is
  // marked checked, so Send does not ask again.
  function checkEmailEarly(form) {
    var field = form.querySelector('input[type="email"]:not([readonly])');
    var checked = form.querySelector('input[name="email_checked"]');
    if (!field || !checked) return;
    field.addEventListener("change", function () {
      var typed = field.value.trim();
      var old = document.getElementById("email-hint");
      if (old) old.parentNode.removeChild(old);
      if (!typed || typed.indexOf("@") < 0) return;
      var url = new URL(form.getAttribute("data-email-check"), window.location.href);
      url.searchParams.set("email", typed);
      fetch(url.toString(), { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data || !data.suggestion || field.value.trim() !== typed) return;
          checked.value = typed;
          var hint = el("div", "did-you-mean");
          hint.id = "email-hint";
          hint.setAttribute("role", "status");
          var question = el("p");
          var button = el("button", "link-button", data.suggestion);
          button.type = "button";
          button.value = data.suggestion;
          button.setAttribute("data-fill-email", field.id);
          upgradeEmailHint(button);
          tNodes("Did you mean %(address)s?", { address: button }).forEach(function (node) {
            question.appendChild(node);
          });
          hint.appendChild(question);
          hint.appendChild(el("p", "small", t("If %(address)s is right, leave it as it is.", { address: typed })));
          checked.parentNode.insertBefore(hint, checked.nextSibling);
        })
        .catch(function () { /* offline: Send asks instead */ });
    });
  }

  // The server writes times in the zone named by this cookie (checked against the tz
  // database there); without it, in UTC. Both always say which zone they are in.
  function rememberZone() {
    var name = "";
    try { name = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    if (!/^[A-Za-z0-9_+\-\/]{1,64}$/.test(name)) return;
    var current = (document.cookie.match(/(?:^|; )tz=([^;]*)/) || [])[1];
    if (current === name) return;
    document.cookie = "tz=" + name + "; path=/; max-age=31536000; samesite=lax" +
      (window.location.protocol === "https:" ? "; secure" : "");
  }

  document.addEventListener("DOMContentLoaded", function () {
    rememberZone();
    document.querySelectorAll("form[data-agent-reply]").forEach(upgradeAgentReply);
    document.querySelectorAll("select[data-panel-status]").forEach(upgradeDeskPanel);
    document.querySelectorAll("[data-clear-draft]").forEach(clearDraft);
    document.querySelectorAll("form[data-draft]").forEach(upgradeRequestForm);
    document.querySelectorAll("input[data-suggest]").forEach(attach);
    document.querySelectorAll("fieldset[data-bulk]").forEach(upgradeBulk);
    document.querySelectorAll("details[data-menu]").forEach(upgradeMenu);
    document.querySelectorAll("[data-back-to-form]").forEach(upgradeBackLink);
    document.querySelectorAll("form[data-preview-in-place]").forEach(upgradePreview);
    document.querySelectorAll("button[data-fill-email]").forEach(upgradeEmailHint);
    document.querySelectorAll("form[data-email-check]").forEach(checkEmailEarly);
    var hint = document.getElementById("email-hint");
    if (hint && !document.getElementById("error-summary")) hint.focus();
    // Other forms with files (a reply to a request) get the same early check.
    document.querySelectorAll('form[data-check-files] input[type="file"][data-max-bytes]')
      .forEach(checkFiles);
  });
})();
