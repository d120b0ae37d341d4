// The desk's search: one static index (desk/search.json), filtered as the agent types.
// Every word typed must match a reference, a tag, a service or the incident's words.
(function () {
  "use strict";
  var form = document.getElementById("desk-search");
  if (!form) { return; }
  var input = form.querySelector("input");
  var results = document.getElementById("desk-results");
  var count = document.getElementById("desk-count");
  var index = null;

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function reference(text) {
    return text.replace(/[\s.\-_/]+/g, "").toUpperCase();
  }

  function load() {
    if (index) { return Promise.resolve(index); }
    return fetch(form.getAttribute("data-index")).then(function (response) {
      return response.json();
    }).then(function (data) {
      index = data.incidents.map(function (entry) {
        entry.fields = fold([entry.tags.join(" "), entry.components.join(" "),
                             entry.names.join(" "), entry.title].join(" "));
        return entry;
      });
      return index;
    });
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
    var terms = fold(input.value).split(/\s+/).filter(Boolean);
    results.textContent = "";
    if (!terms.length) { count.textContent = ""; return; }
    load().then(function (entries) {
      var found = entries.filter(function (entry) {
        return terms.every(function (term) { return matches(entry, term); });
      });
      found.sort(function (a, b) { return (b.open ? 1 : 0) - (a.open ? 1 : 0); });
      found.slice(0, 50).forEach(function (entry) { results.appendChild(item(entry)); });
      count.textContent = found.length ? String(found.length) : form.getAttribute("data-none");
    });
  }

  form.hidden = false;
  input.addEventListener("input", search);
  form.addEventListener("submit", function (event) { event.preventDefault(); search(); });
})();
