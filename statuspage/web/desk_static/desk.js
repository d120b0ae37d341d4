// The desk's search: one static index (desk/search.json), filtered as the agent types.
// Every word typed must match a reference, a tag, a service or the incident's words.
(function () {
  "use strict";
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

  // Fetched once, however fast the agent types before it arrives.
  function load() {
    if (!index) {
      index = fetch(form.getAttribute("data-index")).then(function (response) {
        return response.json();
      }).then(function (data) {
        return data.incidents.map(function (entry) {
          entry.fields = fold([entry.tags.join(" "), entry.components.join(" "),
                               entry.names.join(" "), entry.title].join(" "));
          return entry;
        });
      });
      index.catch(function () { index = null; });  // tried again at the next key
    }
    return index;
  }

  function matches(entry, term) {
    return entry.ref === reference(term) || entry.fields.indexOf(term) !== -1 ||
      entry.text.indexOf(term) !== -1;
  }

  function item(entry) {
    var li = document.createElement("li");
    var link = document.createElement("a");
    link.href = entry.url;
    link.textContent = entry.title;
    li.appendChild(link);
    var small = document.createElement("small");
    small.textContent = " " + entry.ref + " · " + entry.status +
      (entry.tags.length ? " · " + entry.tags.join(", ") : "");
    li.appendChild(small);
    return li;
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
      found.sort(function (a, b) { return (b.open ? 1 : 0) - (a.open ? 1 : 0); });
      found.slice(0, 50).forEach(function (entry) { results.appendChild(item(entry)); });
      count.textContent = found.length ? String(found.length) : form.getAttribute("data-none");
    });
  }

  form.hidden = false;
  input.addEventListener("input", search);
  form.addEventListener("submit", function (event) { event.preventDefault(); search(); });
})();
