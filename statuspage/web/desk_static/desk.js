// The desk's search: one static index (desk/search.json), filtered as the agent types.
// Every word typed must match: a reference (as read out), a postcode inside an incident's
// areas (or the start of one), a tag, a service, a place or the incident's words; a word
// of four letters or more also with one typo (a letter missing, extra, wrong or two
// swapped: "lyom", "marseile"). Results come newest first.
// Also: the page says when it is older than it should be (the daemon rebuilds it often).
(function () {
  "use strict";
  var FUZZY_FROM = 4;  // letters a word needs before one typo is forgiven

  function stale() {
    var built = document.getElementById("desk-built");
    var warning = document.getElementById("desk-stale");
    if (!built || !warning || !built.hasAttribute("data-stale-after")) { return; }
    var after = Number(built.getAttribute("data-stale-after")) * 1000;
    function check() {
      var old = Date.now() - Date.parse(built.getAttribute("data-built")) > after;
      if (old && warning.hidden) {
        warning.textContent = built.getAttribute("data-stale");
        warning.hidden = false;
      }
    }
    check();
    window.setInterval(check, 30000);
  }
  stale();

  var form = document.getElementById("desk-search");
  if (!form) { return; }
  var input = form.querySelector("input");
  var results = document.getElementById("desk-results");
  var count = document.getElementById("desk-count");
  var index = null;  // the promise of the index's entries
  var searches = 0;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function reference(text) {
    return text.replace(/[\s.\-_/]+/g, "").toUpperCase();
  }

  function wordsOf(text) {
    var seen = {};
    text.split(/[^a-z0-9]+/).forEach(function (word) {
      if (word.length >= FUZZY_FROM - 1) { seen[word] = true; }
    });
    return Object.keys(seen);
  }

  // Fetched once, however fast the agent types before it arrives.
  function load() {
    if (!index) {
      index = fetch(form.getAttribute("data-index")).then(function (response) {
        return response.json();
      }).then(function (data) {
        return data.incidents.map(function (entry) {
          entry.fields = fold([entry.tags.join(" "), entry.components.join(" "),
                               entry.names.join(" "), entry.places, entry.title].join(" "));
          entry.words = wordsOf(entry.fields + " " + entry.text);
          return entry;
        });
      });
      index.catch(function () { index = null; });  // tried again at the next key
    }
    return index;
  }

  // At most one edit (insertion, deletion, substitution, two letters swapped) apart.
  function oneEdit(a, b) {
    if (Math.abs(a.length - b.length) > 1) { return false; }
    var i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) { i++; }
    if (i === a.length && i === b.length) { return true; }
    var swapped = a[i] === b[i + 1] && a[i + 1] === b[i] &&
      a.slice(i + 2) === b.slice(i + 2);
    return swapped || a.slice(i + 1) === b.slice(i + 1) ||  // substitution
      a.slice(i + 1) === b.slice(i) || a.slice(i) === b.slice(i + 1);  // one more, one less
  }

  function isCode(term) {
    return /^[0-9a-z]{2,10}$/.test(term) && /[0-9]/.test(term);
  }

  function inAreas(entry, term) {
    var code = term.toUpperCase();
    return entry.areas.some(function (area) {
      return area.indexOf(code) === 0 || code.indexOf(area) === 0;
    });
  }

  function matches(entry, term) {
    if (entry.ref === reference(term) || entry.fields.indexOf(term) !== -1 ||
        entry.text.indexOf(term) !== -1) { return true; }
    if (isCode(term)) { return inAreas(entry, term); }
    if (term.length < FUZZY_FROM || /[0-9]/.test(term)) { return false; }
    return entry.words.some(function (word) { return oneEdit(term, word); });
  }

  function item(entry) {
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = entry.url;
    link.textContent = entry.title;
    li.appendChild(link);
    var small = document.createElement("small");
    var facts = [entry.ref, entry.status,
                 form.getAttribute("data-since").replace("{time}", entry.since)];
    if (entry.version) { facts.push(entry.version); }
    if (entry.places) { facts.push(entry.places); }
    if (entry.tags.length) { facts.push(entry.tags.join(", ")); }
    small.textContent = " " + facts.join(" · ");
    li.appendChild(small);
    return li;
  }

  function said(found) {
    if (!found) { return form.getAttribute("data-none"); }
    if (found === 1) { return form.getAttribute("data-one"); }
    return form.getAttribute("data-many").replace("{n}", String(found));
  }

  function search() {
    var typed = input.value;
    var terms = fold(typed).split(/\s+/).filter(Boolean);
    var asked = ++searches;
    if (!terms.length) { results.textContent = ""; count.textContent = ""; return; }
    load().then(function (entries) {
      if (asked !== searches) { return; }  // the agent typed on: only the latest shows
      results.textContent = "";
      // A reference read out in pieces ("k7m 2qx", "K7M-2QX") is one reference.
      var whole = reference(typed);
      var found = entries.filter(function (entry) { return entry.ref === whole; });
      if (!found.length) {
        found = entries.filter(function (entry) {
          return terms.every(function (term) { return matches(entry, term); });
        });
      }
      found.sort(function (a, b) { return Date.parse(b.started) - Date.parse(a.started); });
      found.slice(0, 50).forEach(function (entry) { results.appendChild(item(entry)); });
      count.textContent = said(found.length);
    });
  }

  form.hidden = false;
  input.addEventListener("input", search);
  form.addEventListener("submit", function (event) { event.preventDefault(); search(); });
})();
