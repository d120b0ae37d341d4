{#
  The customer-area banner (docs/embed.md), minified by hand: tests/test_embed.py keeps it
  under 3 KB gzipped. One function, no global, no cookie; any failure leaves the page as it
  was, without a banner and without an error.
  b: the site's address, from this script's own src (else the configured url);
  E: language -> that edition's status.json, relative to b; l: the host page's language.
  url, editions and default are JSON, made HTML-safe by embed.py.
  The data file holds the texts, in the edition's language; an empty list shows nothing.
#}
/* statuspage: status banner for customer areas */
(function(d){try{var s=d.currentScript,m=s&&/^(.*)\/embed\/status\.js(?:[?#]|$)/.exec(s.src),b=m?m[1]:{{ url }},E={{ editions }},l=(d.documentElement.lang||"").toLowerCase(),p=E[l]||E[l.split("-")[0]]||E[{{ default }}];
if(!window.fetch)return;
fetch(b+"/"+p,{cache:"no-cache",credentials:"omit"}).then(function(r){return r.ok?r.json():0}).then(function(j){if(!j||!j.items||!j.items.length)return;
function n(t,x){var e=d.createElement(t);if(x)e.textContent=x;return e}
function t(x){return d.createTextNode(x)}
function go(){try{var w=n("div"),h=d.getElementById("statuspage-banner"),B=d.body;
w.setAttribute("role","region");w.setAttribute("aria-label",j.label);w.lang=j.lang;
w.style.cssText="margin:0;padding:0;font-size:15px;line-height:1.4";
j.items.forEach(function(i){var M=i.kind=="maintenance",P=n("p"),A=n("a"),T=n("span",i.title);
P.style.cssText="margin:0;padding:8px 12px;color:#1b1f24;background:"+(M?"#ddf4ff":"#fff1e5")+";border-left:6px solid "+(M?"#0969da":"#bc4c00");
A.href=b+"/"+i.path;A.style.cssText="color:#0550ae;text-decoration:underline";if(i.lang)T.lang=i.lang;
A.appendChild(T);A.appendChild(t(" \u2014 "+j.more));
P.appendChild(n("strong",i.label));P.appendChild(t(" "));P.appendChild(A);w.appendChild(P)});
h?h.appendChild(w):B.insertBefore(w,B.firstChild)}catch(e){}}
d.readyState=="loading"?d.addEventListener("DOMContentLoaded",go):go()}).catch(function(){})}catch(e){}})(document);
