// Click heatmap: the email's own HTML in a sandboxed iframe (no scripts, no same
// origin), so the parent cannot touch its DOM. The server has cleaned the HTML (nh3,
// web/email_html.py) and numbered its links in data-mr-link as the report numbers
// them; the parent marks each link with its colour and label and hands the result to
// the iframe as srcdoc; toggles rebuild it.
import { _, ngettext, api, el, emptyState, fmtInt, fmtPct, table, term, termLabel, withCsv } from "../util.js";

// The preview's own policy, on top of the page's (which a srcdoc frame inherits):
// no script, and nothing fetched from elsewhere unless the reader asks for images,
// since a remote image tells the sender (or a tracker) that the email was opened.
const POLICY = "default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; "
  + "form-action 'none'; frame-src 'none'; style-src 'unsafe-inline'; font-src data:";

export function previewPolicy(images) {
  return `${POLICY}; img-src data:${images ? " https: http:" : ""}`;
}

const LABEL_STYLE = `
a[data-mr-link] { cursor: default; }
html.mr-labels a[data-mr-label] { position: relative; }
html.mr-labels a[data-mr-label]:is(:hover, :focus)::after {
  content: attr(data-mr-label); position: absolute; left: 0; top: 100%; z-index: 2147483647;
  margin-top: 4px; padding: 4px 8px; border-radius: 6px; background: #0f172a; color: #fff;
  font: 600 12px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; white-space: nowrap;
  text-decoration: none; letter-spacing: 0; text-transform: none; box-shadow: 0 2px 8px #0004;
}
@media (hover: none) {
  /* a touch screen has no hover, and a tap in the preview (a sandbox without scripts)
     need not focus: every link wears its label, under it, in the flow of the text */
  html.mr-labels a[data-mr-label]::after,
  html.mr-labels a[data-mr-label]:is(:hover, :focus)::after {
    content: attr(data-mr-label); position: static; display: block; width: max-content;
    max-width: 100%; margin: 2px 0 4px; padding: 2px 6px; border-radius: 6px;
    background: #0f172a; color: #fff; white-space: normal;
    font: 600 11px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif;
  }
}`;

// Sequential scale from few to many clicks (share of the busiest link).
const SCALE = [[255, 237, 160], [254, 178, 76], [240, 59, 32], [189, 0, 38]];

export function intensityColour(t) {
  const x = Math.max(0, Math.min(1, t)) * (SCALE.length - 1);
  const i = Math.min(SCALE.length - 2, Math.floor(x));
  const f = x - i;
  const rgb = SCALE[i].map((c, k) => Math.round(c + f * (SCALE[i + 1][k] - c)));
  return `rgb(${rgb.join(", ")})`;
}

function linkLabel(link) {
  return ngettext("{n} click · {share} of readers", "{n} clicks · {share} of readers",
    link.clicks, { share: fmtPct(link.percent_of_readers) });
}

function intensities(links) {
  const measure = (l) => l.percent_of_readers ?? l.unique_clickers;
  const top = Math.max(0, ...links.map(measure));
  return new Map(links.map((l) => [l.link_index, top ? measure(l) / top : 0]));
}

/** The email's HTML (cleaned by the server), annotated, as a complete srcdoc document. */
export function buildSrcdoc(html, links, { heat, labels, images = false }) {
  const doc = new DOMParser().parseFromString(html || "", "text/html");
  const byIndex = new Map(links.map((l) => [l.link_index, l]));
  const level = intensities(links);
  // The links lead nowhere from here: a click inside the preview must not navigate.
  for (const a of doc.querySelectorAll("a[href], area[href]")) {
    a.setAttribute("data-mr-href", a.getAttribute("href"));
    a.removeAttribute("href");
    a.removeAttribute("target");
  }
  for (const a of doc.querySelectorAll("a[data-mr-link]")) {
    const index = Number(a.getAttribute("data-mr-link"));
    const link = byIndex.get(index);
    if (!link) continue;
    a.setAttribute("data-mr-label", linkLabel(link));
    // focusable, so that a tap (a touch screen has no hover) or the keyboard shows it
    a.setAttribute("tabindex", "0");
    if (heat) {
      // Outline and halo only: the email's own colours stay as the customer saw them.
      const t = level.get(index) || 0;
      const colour = link.clicks ? intensityColour(t) : "rgb(148, 163, 184)";
      const width = link.clicks ? 2 + Math.round(3 * t) : 2;
      a.style.setProperty("outline", `${width}px ${link.clicks ? "solid" : "dashed"} ${colour}`,
        "important");
      a.style.setProperty("outline-offset", "1px", "important");
      if (link.clicks) {
        a.style.setProperty("box-shadow", `0 0 0 ${width + 5}px ${colour.replace("rgb", "rgba")
          .replace(")", ", 0.35)")}`, "important");
      }
      a.setAttribute("data-mr-intensity", t.toFixed(3));
    }
  }
  const head = doc.head;
  const csp = doc.createElement("meta");
  csp.setAttribute("http-equiv", "Content-Security-Policy");
  csp.setAttribute("content", previewPolicy(images));
  head.prepend(csp);
  const style = doc.createElement("style");
  style.textContent = LABEL_STYLE;
  head.append(style);
  if (labels) doc.documentElement.classList.add("mr-labels");
  return `<!doctype html>\n${doc.documentElement.outerHTML}`;
}

function toggle(label, pressed, onClick, name) {
  return el("button", { type: "button", class: "btn toggle", "aria-pressed": String(pressed),
    dataset: { toggle: name }, onclick: onClick }, label);
}

const bodies = new Map();

async function variantBody(mailingId, variantId) {
  const key = `${mailingId}\u0000${variantId}`;
  if (!bodies.has(key)) {
    // a shared view (api/shares.py) asks through its link, not the signed-in API
    const shared = document.getElementById("report")?.dataset.apiBase;
    const base = shared || `/api/v1/mailings/${encodeURIComponent(mailingId)}`;
    bodies.set(key, api(`${base}/variants/${encodeURIComponent(variantId)}/body`).then((r) => r.body_html, (err) => {
      bodies.delete(key);  // a failure is not kept: choosing the variant again retries
      throw err;
    }));
  }
  return bodies.get(key);
}

export function renderHeatmap(body, variants, { mailingId }) {
  const view = { variant: variants[0]?.variant_id, heat: true, labels: false, images: false };
  const frameHolder = el("div", { class: "email-holder" });
  const controls = el("div", { class: "controls" });
  const details = el("div", { class: "heatmap-details" });
  // the email shown, and whose it is: a toggle pressed while another variant's HTML is
  // on its way must not dress this one in the other's links
  let shown = { variant: null, html: null };

  // A new frame for every document, its srcdoc set before it is attached. Moving the
  // frame out and back in (and handing it a new srcdoc the same moment) left Chromium's
  // preview blank, 0 high inside, after switching variants until a reload.
  function rebuild() {
    body.dataset.heat = String(view.heat);
    body.dataset.labels = String(view.labels);
    body.dataset.images = String(view.images);
    if (shown.variant !== view.variant || !shown.html) return;
    const variant = variants.find((v) => v.variant_id === view.variant);
    frameHolder.replaceChildren(el("iframe", { sandbox: "", class: "email-frame",
      referrerpolicy: "no-referrer", title: view.heat ? _("Email of variant {name} with its links coloured by clicks",
        { name: view.variant }) : _("Email of variant {name}", { name: view.variant }),
      srcdoc: buildSrcdoc(shown.html, variant.links, view) }));
  }

  // built once and never detached: taking the select out, even to put it straight
  // back, drops the focus of a reader choosing with the keyboard
  if (variants.length > 1) {
    controls.append(el("label", { class: "select" }, _("Variant") + " ",
      el("select", { id: "heatmap-variant", onchange: (e) => show(e.target.value) },
        variants.map((v) => el("option", { value: v.variant_id,
          selected: v.variant_id === view.variant }, v.variant_id)))));
  }
  const fixed = controls.childElementCount;

  function drawControls() {
    while (controls.childElementCount > fixed) controls.lastElementChild.remove();
    controls.append(...[
      toggle(_("Heatmap"), view.heat, () => { view.heat = !view.heat; drawControls(); rebuild(); },
        "heat"),
      toggle(_("Labels"), view.labels, () => { view.labels = !view.labels; drawControls(); rebuild(); },
        "labels"),
      toggle(_("Load images"), view.images, () => { view.images = !view.images; drawControls();
        rebuild(); }, "images"),
      view.heat ? el("span", { class: "legend", "aria-hidden": "true" }, _("fewer clicks"),
        el("span", { class: "legend-ramp" }), _("more")) : null,
      view.images ? null : el("p", { class: "note images-note", id: "heatmap-images-note" },
        _("Remote images are not loaded: loading them would tell the sender's servers "
        + "that this email was opened."))].filter(Boolean));
  }

  async function show(variantId) {
    view.variant = variantId;
    const variant = variants.find((v) => v.variant_id === variantId);
    const level = intensities(variant.links);
    let links;
    body.dataset.state = "loading";
    drawControls();
    details.replaceChildren(
      el("p", { class: "note" }, _("Readers (openers) of variant {name}:", { name: variantId }) + " ",
        el("strong", { dataset: { key: "heatmap.openers" } }, fmtInt(variant.openers)),
        variant.unmatched_clicks ? "; " + ngettext("{n} click on links that are not in the email",
          "{n} clicks on links that are not in the email", variant.unmatched_clicks) : ""),
      variant.links.length ? withCsv(table(links = [
        { label: _("Link"), rowHeader: true, cell: (l) => el("span", { class: "link-cell" },
          el("span", { class: "swatch", style: `background:${l.clicks
            ? intensityColour(level.get(l.link_index)) : "#e2e8f0"}` }),
          el("span", { class: "muted" }, `#${l.link_index}`),
          el("span", {}, l.text || _("(no text)")), el("span", { class: "url" }, l.url)) },
        { label: term("clicks"), head: termLabel("clicks"), num: true, key: (l) => `heatmap.${l.link_index}.clicks`,
          cell: (l) => fmtInt(l.clicks) },
        { label: term("unique_clickers"), head: termLabel("unique_clickers"), num: true, key: (l) => `heatmap.${l.link_index}.unique_clickers`,
          cell: (l) => fmtInt(l.unique_clickers) },
        { label: term("percent_of_readers"), head: termLabel("percent_of_readers"), num: true, key: (l) => `heatmap.${l.link_index}.percent_of_readers`,
          cell: (l) => fmtPct(l.percent_of_readers) },
      ], variant.links, { caption: _("Links of the email in document order"),
        className: "cards-on-phone" }), "heatmap", { rows: variant.links, part: `variant-${variantId}`,
        columns: ["#", _("Text"), _("URL"), ...links.slice(1)], values: [(l) => l.link_index, (l) => l.text,
          (l) => l.url, (l) => l.clicks, (l) => l.unique_clickers, (l) => l.percent_of_readers] })
        : emptyState(_("This email has no links")));
    let html;
    try {
      html = await variantBody(mailingId, variantId);
    } catch (err) {
      if (view.variant !== variantId) return;
      shown = { variant: null, html: null };
      frameHolder.replaceChildren(el("p", { class: "alert alert-error", role: "alert" },
        _("The email's HTML could not be loaded: {error}", { error: err.message })));
      body.dataset.state = "error";
      return;
    }
    if (view.variant !== variantId) return;
    shown = { variant: variantId, html };
    if (html) {
      rebuild();
    } else {
      frameHolder.replaceChildren(emptyState(_("This variant has no HTML body"),
        _("The links table below still lists its clicks.")));
    }
    body.dataset.state = "ready";
  }

  if (!variants.length) {
    body.replaceChildren(emptyState(_("No variants")));
    return;
  }
  body.replaceChildren(controls, frameHolder, details);
  show(view.variant);
}
