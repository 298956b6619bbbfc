// Turns the plain query form into the YASGUI editor. Without JavaScript the form and the
// server-rendered answer still work; with it, queries run in the page against this endpoint.
(function () {
  "use strict";
  function start() {
    var host = document.getElementById("yasgui");
    var form = document.querySelector("form.sparql-form");
    if (!host || !form || typeof Yasgui === "undefined") { return; }
    var textarea = document.getElementById("query");
    var endpoint = new URL(form.getAttribute("action"), window.location.href).toString();
    // The editor measures its container when it starts, so show it first.
    host.hidden = false;
    form.hidden = true;
    var yasgui = new Yasgui(host, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      persistenceId: null,
      // Only completions known in the page: the others fetch vocabularies from other hosts.
      yasqe: { autocompleters: ["variables"], resizeable: true },
      yasr: { prefixes: {} }
    });
    var tab = yasgui.getTab();
    tab.setQuery(textarea.value);
    document.documentElement.classList.add("yasgui-ready");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
