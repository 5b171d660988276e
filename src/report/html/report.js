// callint report: filters for the findings table. The state lives in the URL
// fragment (#rule=O9-001&severity=error&agent=A07&right=知情权&q=保本), so a filtered view
// can be linked, bookmarked, or opened from the charts and the agent ranking.
(function () {
  "use strict";
  var strings = JSON.parse(document.getElementById("strings").textContent);
  var PAGE = 100;
  var keys = ["rule", "severity", "agent", "right", "q"];
  var rows = Array.prototype.slice.call(document.querySelectorAll("tbody.f"));
  var table = document.getElementById("findings");
  var count = document.getElementById("f-count");
  var none = document.getElementById("f-none");
  var more = document.getElementById("f-more");
  var controls = {
    rule: document.getElementById("f-rule"),
    severity: document.getElementById("f-severity"),
    agent: document.getElementById("f-agent"),
    right: document.getElementById("f-right"),
    q: document.getElementById("f-q")
  };
  var state = { rule: "", severity: "", agent: "", right: "", q: "" };
  var limit = PAGE;
  var writing = false;

  function parse() {
    var next = { rule: "", severity: "", agent: "", right: "", q: "" };
    var sources = [location.search.replace(/^\?/, ""), location.hash.replace(/^#/, "")];
    sources.forEach(function (s) {
      if (s.indexOf("=") < 0) return;
      s.split("&").forEach(function (pair) {
        var at = pair.indexOf("=");
        if (at < 0) return;
        var k, v;
        try {
          k = decodeURIComponent(pair.slice(0, at));
          v = decodeURIComponent(pair.slice(at + 1).replace(/\+/g, " "));
        } catch (e) {
          return; // a malformed %-escape: ignore that part
        }
        if (keys.indexOf(k) >= 0) next[k] = v;
      });
    });
    return next;
  }

  function text(row) {
    if (row._text === undefined) row._text = row.textContent.toLowerCase();
    return row._text;
  }

  function matches(row) {
    if (state.rule && row.getAttribute("data-rule") !== state.rule) return false;
    if (state.severity && row.getAttribute("data-severity") !== state.severity) return false;
    if (state.agent && row.getAttribute("data-agent") !== state.agent) return false;
    if (state.right && (" " + row.getAttribute("data-right") + " ").indexOf(" " + state.right + " ") < 0) return false;
    if (state.q && text(row).indexOf(state.q.toLowerCase()) < 0) return false;
    return true;
  }

  function ensureOption(select, value) {
    if (!select || !value) return;
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) return;
    }
    var o = document.createElement("option");
    o.value = value;
    o.textContent = value;
    select.appendChild(o);
  }

  function apply() {
    var matched = 0;
    var shown = 0;
    rows.forEach(function (row) {
      var ok = matches(row);
      if (ok) matched++;
      var visible = ok && shown < limit;
      if (visible) shown++;
      row.hidden = !visible;
    });
    keys.forEach(function (k) {
      var c = controls[k];
      if (!c) return;
      if (c.tagName === "SELECT") ensureOption(c, state[k]);
      if (c.value !== state[k]) c.value = state[k];
    });
    count.textContent = strings.shown.replace("{n}", shown).replace("{m}", matched);
    count.setAttribute("data-shown", shown);
    count.setAttribute("data-matched", matched);
    none.hidden = matched > 0;
    more.hidden = shown >= matched;
    document.body.setAttribute("data-filter", keys.map(function (k) { return state[k] ? k + "=" + state[k] : ""; }).filter(Boolean).join("&"));
  }

  function write() {
    var parts = [];
    keys.forEach(function (k) {
      if (state[k]) parts.push(k + "=" + encodeURIComponent(state[k]));
    });
    var hash = parts.length ? "#" + parts.join("&") : location.pathname + location.search;
    writing = true;
    try {
      history.replaceState(null, "", hash);
    } catch (e) {
      location.hash = parts.join("&");
    }
    writing = false;
  }

  function fromUrl(scroll) {
    var h = location.hash.replace(/^#/, "");
    if (h && h.indexOf("=") < 0) { // a plain anchor such as #rule-O9-001
      if (!scroll) apply();
      return;
    }
    state = parse();
    limit = PAGE;
    apply();
    if (scroll && table) table.scrollIntoView({ block: "start" });
  }

  keys.forEach(function (k) {
    var c = controls[k];
    if (!c) return;
    c.addEventListener(k === "q" ? "input" : "change", function () {
      state[k] = c.value;
      limit = PAGE;
      apply();
      write();
    });
  });
  document.getElementById("f-reset").addEventListener("click", function () {
    state = { rule: "", severity: "", agent: "", right: "", q: "" };
    limit = PAGE;
    apply();
    write();
  });
  more.addEventListener("click", function () {
    limit += PAGE;
    apply();
  });
  window.addEventListener("hashchange", function () {
    if (!writing) fromUrl(true);
  });

  // The rule's explanation, copied from the rules section when first opened.
  document.addEventListener("toggle", function (ev) {
    var d = ev.target;
    if (!d.classList || !d.classList.contains("why") || !d.open || d._filled) return;
    var src = document.getElementById("rule-" + d.getAttribute("data-rule"));
    var explain = src && src.querySelector(".explain");
    if (explain) {
      var link = d.querySelector("a");
      if (link) link.remove();
      d.appendChild(explain.cloneNode(true));
    }
    d._filled = true;
  }, true);

  fromUrl(false);
})();
