{#
  The customer-area banner (docs/embed.md), minified by hand: tests/test_embed.py keeps it
  small. One function, no global, no cookie; any failure leaves the page as it was, without
  a banner and without an error (unknown ids in data-components get a console warning).
  b: the site's address, from this script's own src (else the configured url);
  E: language -> [that language's folder, relative to b; the iframe's title]; l: the host
  page's language; K: the banner's colours per scheme; a: the script tag's data-*;
  W: data-components; Z: data-postcode (capitals, no spaces), matched here against each
  item's areas, never sent (the iframe gets it in its fragment); q: the reader's colour scheme; th(): the scheme to use (data-theme,
  else the one the host page declares alone, else the reader's).
  With data-frame: an iframe of the language's banner.html (#theme=…&components=…), its
  height set from the messages it posts (only from b's origin and that very frame).
  Otherwise: the language's status.json, its items limited to W's services and Z's places,
  in the page, as one block: each item's label (or "your … service is affected"), its
  link, then its places, what to do and the next update on a line.
  url, folders, default and colours are JSON, made HTML-safe by embed.py.
#}
/* statuspage: status banner for customer areas */
(function(d){try{var s=d.currentScript,m=s&&/^(.*)\/embed\/status\.js(?:[?#]|$)/.exec(s.src),b=m?m[1]:{{ url }},E={{ folders }},K={{ colours }},a=s&&s.dataset||{},r=d.documentElement,l=(r.lang||"").toLowerCase(),p=E[l]||E[l.split("-")[0]]||E[{{ default }}],
W=(a.components||"").split(",").map(function(c){return c.trim()}).filter(String),Z=(a.postcode||"").replace(/[\s.-]/g,"").toUpperCase(),q=matchMedia("(prefers-color-scheme: dark)");
function th(){var t=a.theme,c;if(t=="light"||t=="dark")return t;c=getComputedStyle(r).colorScheme;if(!c||c=="normal"){c=d.querySelector('meta[name="color-scheme"]');c=c?c.content:""}t=/dark/.test(c);return t!=/light/.test(c)?(t?"dark":"light"):q.matches?"dark":"light"}
function n(t,x){var e=d.createElement(t);if(x)e.textContent=x;return e}
function put(w){var h=d.getElementById("statuspage-banner"),B=d.body;h?h.appendChild(w):B.insertBefore(w,B.firstChild)}
function on(f){d.readyState=="loading"?d.addEventListener("DOMContentLoaded",f):f()}
function watch(f){q.addEventListener?q.addEventListener("change",f):q.addListener(f)}
if(a.frame!=null)return on(function(){try{var f=n("iframe"),O=new URL(b+"/").origin;
function u(){f.src=b+"/"+p[0]+"embed/banner.html#theme="+th()+(W.length?"&components="+encodeURIComponent(W.join(",")):"")+(Z?"&postcode="+encodeURIComponent(Z):"")}
f.title=p[1];f.style.cssText="display:block;width:100%;height:0;border:0";u();
addEventListener("message",function(e){var x=e.data;if(e.origin==O&&e.source==f.contentWindow&&x&&x.statuspage=="height")f.style.height=Math.max(0,+x.height||0)+"px"});
watch(u);put(f)}catch(e){}});
if(!window.fetch)return;
fetch(b+"/"+p[0]+"embed/status.json",{cache:"no-cache",credentials:"omit"}).then(function(r){return r.ok?r.json():0}).then(function(j){if(!j||!j.items)return;
var k=j.components||[],I=W.filter(function(c){return k.indexOf(c)<0?console.warn("statuspage: unknown component "+JSON.stringify(c)+", ignored"):1}),
L=j.items.filter(function(i){return(!I.length||I.some(function(c){return i.components&&c in i.components}))&&(!Z||!i.areas||i.areas.some(function(c){return!Z.indexOf(c)}))});
if(!L.length)return;
function t(x){return d.createTextNode(x)}
function go(){try{var w=n("div"),P=[];
w.setAttribute("role","region");w.setAttribute("aria-label",j.label);w.lang=j.lang;
w.style.cssText="margin:0;padding:8px 12px;border-left:6px solid;font-size:15px;line-height:1.4";
L.forEach(function(i,x){var Q=n("p"),A=n("a"),T=n("span",i.title),Y=I.filter(function(c){return c in i.components}).map(function(c){return j.names[c]}),D=[i.places,i.todo,i.next].filter(String).join(" \u00b7 ");
Q.style.cssText="margin:"+(x?"6px":0)+" 0 0";
A.href=b+"/"+i.path;A.style.textDecoration="underline";if(i.lang)T.lang=i.lang;
A.appendChild(T);A.appendChild(t(" \u2014 "+j.more));
Q.appendChild(n("strong",Y.length&&j.yours?j.yours[Y.length>1?1:0].replace("%s",Y.join(", ")):i.label));Q.appendChild(t(" "));Q.appendChild(A);
if(D){Q.appendChild(n("br"));Q.appendChild(n("span",D))}w.appendChild(Q);P.push(A)});
function paint(){var x=th(),c=K[x],y=c[L[0].kind]||c.incident;w.setAttribute("data-theme",x);w.style.color=c.fg;w.style.background=y[0];w.style.borderLeftColor=y[1];P.forEach(function(e){e.style.color=c.a})}
paint();watch(paint);put(w)}catch(e){}}
on(go)}).catch(function(){})}catch(e){}})(document);
