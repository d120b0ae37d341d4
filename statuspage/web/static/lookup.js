// The lookup box, the postcode box and the copy button. Without this script the lookup box
// leads to /r/ (which explains the short address), the postcode box to /zone/ (which lists
// the places), and the reference stays plain text to select.
(function () {
  "use strict";
  var REFERENCE = /^[2-9A-HJKMNP-Z]{6}$/;

  function normalize(text) {
    return text.replace(/[\s.\-_/]+/g, "").toUpperCase();
  }

  function say(form, template, typed) {
    var message = form.querySelector(".lookup-message");
    var help = form.getAttribute("data-help");
    message.textContent = template.replace("%s", typed) + (help ? " " + help : "");
    form.querySelector("input").setAttribute("aria-invalid", "true");
  }

  function differences(one, other) {
    var count = 0;
    for (var i = 0; i < one.length; i++) {
      if (one.charAt(i) !== other.charAt(i)) count++;
    }
    return count;
  }

  function find(form, event) {
    event.preventDefault();
    var typed = form.querySelector("input").value.trim();
    var reference = normalize(typed);
    if (!REFERENCE.test(reference)) {
      // Six characters, one of them a look-alike references never use: said as such, not
      // as a wrong length.
      var lookalike = reference.length === 6 && /[01OIL]/.test(reference);
      say(form, form.getAttribute(lookalike ? "data-lookalike" : "data-invalid"), typed);
      return;
    }
    var shard = form.getAttribute("data-refs") + "refs-" + reference.charAt(0) + ".json";
    fetch(shard).then(function (response) {
      return response.ok ? response.json() : {};
    }).catch(function () {
      return {};
    }).then(function (found) {
      if (Object.prototype.hasOwnProperty.call(found, reference)) {
        window.location.href = form.getAttribute("data-incidents") + found[reference] + "/";
        return;
      }
      say(form, form.getAttribute("data-unknown"), typed);
      var near = Object.keys(found).filter(function (known) {
        return differences(known, reference) === 1;
      });
      if (near.length === 1) {  // one character off a known one: a typo, most likely
        var message = form.querySelector(".lookup-message");
        var link = document.createElement("a");
        link.href = form.getAttribute("data-incidents") + found[near[0]] + "/";
        link.textContent = near[0];
        var parts = form.getAttribute("data-suggest").split("%s");
        message.appendChild(document.createTextNode(" " + parts[0]));
        message.appendChild(link);
        message.appendChild(document.createTextNode(parts[1] || ""));
      }
    });
  }

  function copy(button) {
    var text = button.getAttribute("data-copy");
    var done = function () { button.textContent = button.getAttribute("data-done"); };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(done, function () {});
    }
  }

  // The postcode box: the shard of the codes starting like the one typed (else the file of
  // what is everywhere) lists the codes and prefixes named by what is in progress; a code
  // matches those it starts with ("" is everywhere). Only the first character is in the
  // address fetched: the code stays in the browser.
  var POSTCODE = /^[A-Z0-9]{1,10}$/;

  function fetchJSON(url) {
    return fetch(url).then(function (response) {
      return response.ok ? response.json() : null;
    }).catch(function () { return null; });
  }

  function answer(form, event) {
    if (event) event.preventDefault();
    var input = form.querySelector("input");
    var typed = input.value.trim();
    var code = normalize(typed);
    var out = form.querySelector(".lookup-message");
    var help = form.getAttribute("data-help");
    var zones = form.getAttribute("data-zones");
    function tell(text) {
      var line = document.createElement("p");
      line.textContent = text;
      out.appendChild(line);
    }
    out.textContent = "";
    if (!POSTCODE.test(code)) {
      input.setAttribute("aria-invalid", "true");
      tell(form.getAttribute("data-invalid").replace("%s", typed));
      return;
    }
    input.removeAttribute("aria-invalid");
    fetchJSON(zones + "codes-" + code.charAt(0) + ".json").then(function (found) {
      return found || fetchJSON(zones + "codes.json");
    }).then(function (found) {
      var ids = [];
      found = found || {areas: {}, incidents: {}};
      Object.keys(found.areas).forEach(function (area) {
        if (code.indexOf(area) === 0) {
          found.areas[area].forEach(function (id) {
            if (ids.indexOf(id) < 0) ids.push(id);
          });
        }
      });
      out.textContent = "";
      if (!ids.length) {
        tell(form.getAttribute("data-none").replace("%s", code) + (help ? " " + help : ""));
        return;
      }
      tell(form.getAttribute("data-found").replace("%s", code));
      var list = document.createElement("ul");
      ids.forEach(function (id) {
        var incident = found.incidents[id];
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = incident.url;
        link.textContent = incident.title;
        item.appendChild(link);
        item.appendChild(document.createTextNode(
          " · " + (incident.places || form.getAttribute("data-everywhere"))));
        list.appendChild(item);
      });
      out.appendChild(list);
    });
  }

  document.querySelectorAll("form.postcode").forEach(function (form) {
    form.addEventListener("submit", function (event) { answer(form, event); });
    var asked = new URLSearchParams(window.location.search).get("postcode");
    if (asked) {  // arrived from a box without this script (/zone/?postcode=…)
      form.querySelector("input").value = asked;
      answer(form);
    }
  });
  document.querySelectorAll("form.lookup[data-refs]").forEach(function (form) {
    var typed = new URLSearchParams(window.location.search).get("ref");
    if (typed) form.querySelector("input").value = typed;  // /r/?ref=…: what was typed
    form.addEventListener("submit", function (event) { find(form, event); });
  });
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { copy(button); });
  });
})();
