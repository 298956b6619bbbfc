// Turns the plain query form into the YASGUI editor. Without JavaScript the form and the
// server-rendered answer still work; with it, queries run in the page against this endpoint.
(function () {
  "use strict";
  // YASGUI writes its own words (button titles, placeholders, labels) in English when it
  // draws each part, and its configuration reaches only a few of them (the tab name, the
  // results table's words). The page gives every word in its language (data-text, from the
  // message catalogue); the rest are put in that language as YASGUI draws them.
  var ATTRIBUTES = ["title", "aria-label", "placeholder"];
  // Never the query text, the answers, or what the user types; an error's message is the
  // server's, the browser's or the editor's words (a syntax error's tooltip), not the user's, so
  // it is put into the page's language.
  var UNTOUCHED = ".CodeMirror-lines, .CodeMirror-measure, tbody, textarea, pre";
  var ERROR = ".errorResult, .yasqe_tooltip";
  // The sentences YASGUI builds around numbers, as it writes them in English, and the name of
  // the page's words for each; the page's words hold _COUNT_, _TIME_ or _DETAIL_ for the parts.
  var PATTERNS = [
    [/^(\d+) results? in ([\d.]+) seconds?$/, "results_time", ["_COUNT_", "_TIME_"]],
    [/^Response in ([\d.]+) seconds?$/, "response_time", ["_TIME_"]],
    [/^(\d+) results?$/, "results", ["_COUNT_"]],
    [/^Malformed query: ([\s\S]+)$/, "malformed", ["_DETAIL_"]]
  ];

  function untouched(el) {
    return el.closest(UNTOUCHED) && !el.closest(ERROR);
  }

  function patterned(words, patterns) {
    for (var i = 0; i < PATTERNS.length; i += 1) {
      var found = PATTERNS[i][0].exec(words);
      var wanted = found && patterns[PATTERNS[i][1]];
      if (wanted) {
        return PATTERNS[i][2].reduce(function (out, slot, n) { return out.split(slot).join(found[n + 1]); }, wanted);
      }
    }
    return null;
  }

  function relabel(root, text, patterns) {
    var elements = [root].concat(Array.prototype.slice.call(root.querySelectorAll("[title], [aria-label], [placeholder]")));
    elements.forEach(function (el) {
      if (!el.getAttribute || untouched(el)) { return; }
      ATTRIBUTES.forEach(function (name) {
        var value = el.getAttribute(name);
        if (value && Object.prototype.hasOwnProperty.call(text, value) && text[value] !== value) {
          el.setAttribute(name, text[value]);
        }
      });
    });
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var node;
    while ((node = walker.nextNode())) {
      var words = node.nodeValue.trim();
      if (!words || (node.parentElement && untouched(node.parentElement))) { continue; }
      var known = Object.prototype.hasOwnProperty.call(text, words) ? text[words] : patterned(words, patterns);
      if (known && known !== words) { node.nodeValue = node.nodeValue.replace(words, known); }
    }
  }

  // YASGUI leaves some of its controls without a name a screen reader can say (the editor's
  // text box, the endpoint box, a tab's rename box, the share link, the settings' boxes, the
  // page size, the row numbers' column); each is named in the page's language as it is drawn.
  // Nothing already named is changed.
  var NAMED = [[".CodeMirror textarea", "query"], ["input.autocomplete", "endpoint"], [".tabsList .tab input", "tab name"],
    [".yasqe_sharePopup input", "share link"]];
  // the controls drawn beside words that say what they are are tied to those words
  var BESIDE = [["select", ".pageSizeWrapper", ".pageSizerLabel"], ["select", ".selector", ".selectorLabel"],
    [".graphInput input", ".textSetting", ".label"]];
  var made = 0;

  function within(root, selector) {
    var found = Array.prototype.slice.call(root.querySelectorAll(selector));
    return root.matches && root.matches(selector) ? [root].concat(found) : found;
  }

  function id(el) {
    if (!el.id) { made += 1; el.id = "yasgui-control-" + made; }
    return el.id;
  }

  function name(root, labels) {
    NAMED.forEach(function (pair) {
      within(root, pair[0]).forEach(function (el) {
        if (!el.hasAttribute("aria-label") && labels[pair[1]]) { el.setAttribute("aria-label", labels[pair[1]]); }
      });
    });
    BESIDE.forEach(function (three) {
      within(root, three[0]).forEach(function (control) {
        var box = control.closest(three[1]);
        var words = box && box.querySelector(three[2]);
        if (words && !control.hasAttribute("aria-labelledby")) { control.setAttribute("aria-labelledby", id(words)); }
      });
    });
    // a row of the settings' arguments is a name and a value under one heading
    within(root, ".textSetting .textRow input").forEach(function (control) {
      var heading = control.closest(".textSetting").querySelector(".label");
      var part = control === control.parentNode.firstElementChild ? labels.name : labels.value;
      if (heading && part && !control.hasAttribute("aria-label")) {
        control.setAttribute("aria-label", heading.textContent.trim() + ": " + part);
      }
    });
    // the row numbers' column heading is empty: it gets a word that only a screen reader says
    within(root, "th.dt-orderable-none .dt-column-title:empty").forEach(function (el) {
      var word = document.createElement("span");
      word.className = "visually-hidden";
      word.textContent = labels.row || "#";
      el.appendChild(word);
    });
  }

  // A tab list may hold only tabs: YASGUI puts its "add a tab" button inside it, so the
  // button is moved to just after the list (YASGUI then adds new tabs at the list's end).
  function buttonBesideTabs(yasgui) {
    var tabs = yasgui.tabElements;
    var list = tabs && tabs._tabsListEl;
    if (!list || !tabs.addTabEl || tabs.addTabEl.parentNode !== list) { return; }
    var row = document.createElement("div");
    row.className = "tabsRow";
    list.parentNode.insertBefore(row, list);
    row.appendChild(list);
    tabs.addTabEl.removeAttribute("role");
    row.appendChild(tabs.addTabEl);
    tabs.addTabEl = null;
  }

  function start() {
    var host = document.getElementById("yasgui");
    var form = document.querySelector("form.sparql-form");
    if (!host || !form || typeof Yasgui === "undefined") { return; }
    var text = JSON.parse(host.getAttribute("data-text") || "{}");
    var labels = text.labels || {};
    var textarea = document.getElementById("query");
    var endpoint = new URL(form.getAttribute("action"), window.location.href).toString();
    if (Yasgui.Yasr && Yasgui.Yasr.plugins.table && text.table) {
      Yasgui.Yasr.plugins.table.defaults.tableConfig.language = text.table;
    }
    // The editor measures its container when it starts, so show it first.
    host.hidden = false;
    form.hidden = true;
    var yasgui = new Yasgui(host, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      persistenceId: null,
      // The query comes from the form, which the server read from the address. YASGUI's own
      // reading of the address splits it at every ";" as well as "&", which cuts most queries.
      populateFromUrl: false,
      tabName: text.Query || "Query",
      // Only completions known in the page: the others fetch vocabularies from other hosts.
      // The editor grows with its query (site.css) rather than scrolling in a box of its own, so
      // it draws every line and needs no handle to resize it.
      yasqe: { autocompleters: ["variables"], resizeable: false, viewportMargin: Infinity,
        screenReaderLabel: labels.query || "SPARQL query" },
      yasr: { prefixes: {} }
    });
    var words = text.words || {};
    var patterns = text.patterns || {};
    buttonBesideTabs(yasgui);
    relabel(host, words, patterns);
    name(host, labels);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        var target = change.target.nodeType === 1 ? change.target : change.target.parentElement;
        if (target && !untouched(target)) { relabel(target, words, patterns); }
        // a tooltip is added inside the editor's lines, which are otherwise left alone
        Array.prototype.forEach.call(change.addedNodes || [], function (added) {
          if (added.nodeType === 1 && !untouched(added)) { relabel(added, words, patterns); }
          if (added.nodeType === 1) { name(added, labels); }
        });
      });
    }).observe(host, { subtree: true, childList: true, characterData: true, attributes: true,
      attributeFilter: ATTRIBUTES });
    var tab = yasgui.getTab();
    tab.setQuery(textarea.value);
    // A link to a query opens with its answer, in the editor as below it.
    if (host.hasAttribute("data-run")) { tab.query().catch(function () { return null; }); }
    document.documentElement.classList.add("yasgui-ready");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
