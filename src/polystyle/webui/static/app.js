/* polystyle web UI: talks only to the HTTP API under /v1 (see docs/http-api.md).
   Hand-written, no framework, no build step, nothing loaded from outside this server. */
"use strict";

(() => {
  const API = "/v1";
  const TOKEN_KEY = "polystyle.token";
  const GALLERY_KEY = "polystyle.gallery.v1";
  const GALLERY_MAX = 40;
  // Job states of the API: queued -> running -> succeeded | failed | cancelled | interrupted.
  const TERMINAL = new Set(["succeeded", "failed", "cancelled", "interrupted"]);
  const OK_STATES = new Set(["succeeded"]);

  const $ = (id) => document.getElementById(id);
  const state = {
    models: [],
    model: null, // the selected model's details (GET /v1/models/{id})
    directions: null, // the explain report's "directions" section for the selected model
    transferModel: null, // the Transfer tab's translation model (GET /v1/models/{id})
    job: null, // {id, kind, source, timer}
  };

  // ---------------------------------------------------------------------------------------
  // HTTP

  class ApiError extends Error {
    constructor(message, fix, status) {
      super(message);
      this.fix = fix || "";
      this.status = status || 0;
    }
  }

  function token() {
    return $("token").value.trim();
  }

  /** fetch() under /v1; mutating calls carry the bearer token; non-2xx answers throw an
      ApiError with the server's {"error", "fix"}. Returns the Response. */
  async function api(method, path, { json, body, headers = {}, retries = 3 } = {}) {
    const init = { method, headers: { ...headers } };
    if (json !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(json);
    } else if (body !== undefined) {
      init.body = body;
    }
    if (method !== "GET" && method !== "HEAD" && token()) {
      init.headers.Authorization = `Bearer ${token()}`;
    }
    let response;
    try {
      response = await fetch(API + path, init);
    } catch (err) {
      throw new ApiError(
        `Cannot reach the polystyle server at ${location.origin}.`,
        "Check that `polystyle serve` is still running, then try again.",
      );
    }
    const wait = Number(response.headers.get("Retry-After"));
    if (response.status === 429 && retries > 0 && wait > 0 && wait <= 10) {
      // Every render slot is busy: wait as the server asks, then try again.
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      return api(method, path, { json, body, headers, retries: retries - 1 });
    }
    if (!response.ok) throw await errorFrom(response);
    setServerStatus(true);
    return response;
  }

  async function errorFrom(response) {
    let error = "";
    let fix = "";
    const text = await response.text().catch(() => "");
    try {
      const data = JSON.parse(text);
      const detail = data.detail;
      error = data.error || data.message || "";
      fix = data.fix || "";
      if (!error && typeof detail === "string") error = detail;
      if (!error && Array.isArray(detail)) {
        error = detail
          .map((d) => `${(d.loc || []).filter((p) => p !== "body").join(".")}: ${d.msg}`)
          .join("; ");
      }
    } catch (_) {
      error = text.trim().slice(0, 300);
    }
    if (!error) error = `${response.status} ${response.statusText || "error"}`;
    if (response.status === 401 || response.status === 403) {
      // The server's fix speaks HTTP; in the page the answer is the token field.
      fix = token()
        ? "The token in the “API token” field at the top was refused: type the one the server was started with (POLYSTYLE_API_TOKEN)."
        : "Type the server's API token in the “API token” field at the top (the one it was started with, POLYSTYLE_API_TOKEN).";
    }
    return new ApiError(error, fix, response.status);
  }

  async function getJSON(path) {
    return (await api("GET", path)).json();
  }

  // ---------------------------------------------------------------------------------------
  // Messages

  /** kind: "error" | "notice" | "ok" | "" (plain progress text). */
  function show(target, kind, text, fix, detail) {
    const box = typeof target === "string" ? $(target) : target;
    box.className = `message${kind ? ` ${kind}` : ""}`;
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    box.replaceChildren();
    if (!text) return;
    const p = document.createElement("p");
    p.textContent = text;
    box.append(p);
    if (detail) box.append(el("p", { class: "fix", text: detail }));
    if (fix) {
      const f = document.createElement("p");
      f.className = "fix";
      f.textContent = `How to fix: ${fix}`;
      box.append(f);
    }
  }

  function showError(target, err) {
    if (err instanceof ApiError) {
      if (err.message.startsWith("Cannot reach")) setServerStatus(false);
      show(target, "error", err.message, err.fix);
    } else {
      show(target, "error", `Something went wrong in the page: ${err && err.message ? err.message : err}`);
      console.error(err);
    }
  }

  function setServerStatus(up) {
    $("server-status").textContent = up ? "connected" : "server unreachable";
    $("server-status").classList.toggle("down", !up);
  }

  /** Runs `work` with `button` disabled and a progress text in `target`. */
  async function busy(button, target, text, work) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    show(target, "", text);
    const started = performance.now();
    try {
      return await work(started);
    } catch (err) {
      showError(target, err);
      return undefined;
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }

  /** How long since `started`, for people: "40 ms", "2.3 s". */
  function seconds(started) {
    const ms = performance.now() - started;
    return ms < 1000 ? `${Math.max(1, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`;
  }

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key in node && typeof value !== "string") node[key] = value;
      else node.setAttribute(key, value);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  // ---------------------------------------------------------------------------------------
  // Tabs (WAI-ARIA tabs: arrow keys, Home/End)

  function setupTabs() {
    const tabs = [...document.querySelectorAll('[role="tab"]')];
    const select = (tab, focus) => {
      for (const t of tabs) {
        const on = t === tab;
        t.setAttribute("aria-selected", String(on));
        t.tabIndex = on ? 0 : -1;
        $(t.getAttribute("aria-controls")).hidden = !on;
      }
      if (focus) tab.focus();
      if (tab.id === "tab-gallery") renderGallery();
      sessionStorage.setItem("polystyle.tab", tab.id);
    };
    tabs.forEach((tab, i) => {
      tab.addEventListener("click", () => select(tab, false));
      tab.addEventListener("keydown", (event) => {
        const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
        if (!(event.key in moves)) return;
        event.preventDefault();
        select(tabs[(moves[event.key] + tabs.length) % tabs.length], true);
      });
    });
    state.selectTab = (id) => select($(id), false);
    const remembered = sessionStorage.getItem("polystyle.tab");
    if (remembered && $(remembered) && $(remembered).getAttribute("role") === "tab") select($(remembered), false);
  }

  // ---------------------------------------------------------------------------------------
  // Models

  function modelId(entry) {
    return typeof entry === "string" ? entry : entry.id || entry.name;
  }

  async function loadModels(selected) {
    const select = $("model");
    try {
      const data = await getJSON("/models");
      state.models = Array.isArray(data) ? data : data.models || [];
    } catch (err) {
      showError("generate-message", err);
      $("model-summary").textContent = "Could not read the model list.";
      return;
    }
    const previous = selected || select.value || sessionStorage.getItem("polystyle.model");
    select.replaceChildren();
    if (!state.models.length) {
      select.append(el("option", { value: "", text: "no models yet" }));
      $("model-summary").textContent =
        "The server has no trained models yet: train one in the Train tab.";
      setModel(null);
      return;
    }
    for (const entry of state.models) {
      const id = modelId(entry);
      const kind = typeof entry === "object" && entry.kind ? ` (${entry.kind})` : "";
      select.append(el("option", { value: id, text: `${id}${kind}` }));
    }
    // Generate, Interpolate and Model work with synthesis models: start on one of those.
    const synthesis = state.models.find((m) => !isTranslation(m));
    if (previous && state.models.some((m) => modelId(m) === previous)) select.value = previous;
    else if (synthesis) select.value = modelId(synthesis);
    fillTransferModels();
    await selectModel(select.value);
  }

  function isTranslation(entry) {
    return typeof entry === "object" && entry.kind === "translation";
  }

  /** Re-index the models folder (it needs the token when the server has one), then list. */
  async function onReloadModels() {
    try {
      await api("POST", "/models/rescan");
    } catch (err) {
      if (err.status !== 401) showError("model-message", err);
    }
    await loadModels();
  }

  async function selectModel(id) {
    sessionStorage.setItem("polystyle.model", id);
    state.directions = null;
    resetDirections("Computed by the model's explain report (can take a while on a large model).");
    $("explain-images").replaceChildren();
    show("explain-message", "", "");
    if (!id) return setModel(null);
    try {
      const model = await getJSON(`/models/${encodeURIComponent(id)}`);
      setModel(model, id);
      show("model-message", "", "");
      if (isTranslation(model)) {
        show("generate-message", "notice", `${id} is a translation model: it restyles images and text in the Transfer tab.`,
          "Pick a synthesis model at the top to generate or interpolate.");
        $("transfer-model").value = id;
        await selectTransferModel(id);
      } else {
        show("generate-message", "", "");
      }
    } catch (err) {
      setModel(null);
      showError("model-message", err);
      $("model-summary").textContent = `Could not read model ${id}: ${err.message}`;
    }
  }

  function styleNames() {
    return state.model ? state.model.styles.map((s) => s.name) : [];
  }

  function imageSize(model) {
    const image = model.image || {};
    return model.image_size || model.size || image.size;
  }

  function setModel(model, id) {
    if (model) {
      model.id = model.id || id;
      model.styles = (model.styles || []).map((s) =>
        typeof s === "string" ? { name: s, description: "" } : s,
      );
    }
    state.model = model;
    const names = styleNames();
    for (const select of document.querySelectorAll(".style-select")) {
      const keep = select.value;
      select.replaceChildren(...names.map((n) => el("option", { value: n, text: n })));
      if (names.includes(keep)) select.value = keep;
    }
    updateStyleDescription();
    buildWeightSliders("weight-sliders", "weight", names);
    if (!$("interp-styles").value || !model) $("interp-styles").value = names.join(", ");
    describeLayers(model, names);
    const referenceRadio = document.querySelector('input[name="gen-source"][value="reference"]');
    const noEncoder = Boolean(model && model.reference === false);
    referenceRadio.disabled = noEncoder;
    referenceRadio.parentElement.title = noEncoder ? "this model has no style encoder" : "";
    if (noEncoder && referenceRadio.checked) {
      document.querySelector('input[name="gen-source"][value="style"]').checked = true;
      showSource();
    }
    if (!model) {
      $("model-details").replaceChildren();
      return;
    }
    const size = imageSize(model);
    $("model-summary").textContent =
      `${model.id}: ${model.kind || "model"}` +
      (size ? `, ${size}×${size} px` : "") +
      `, ${names.length} style${names.length === 1 ? "" : "s"}: ${names.join(", ")}`;
    renderModelDetails(model);
    loadExplanation(model);
  }

  function describeLayers(model, names) {
    const input = $("gen-layers");
    const help = $("gen-layers-help");
    const example = names.length > 1 ? `0-3:${names[0]},4-:${names[1]}` : "0-3:name,4-:other";
    input.placeholder = example;
    input.disabled = false;
    const numWs = model && Number(model.num_ws);
    if (numWs === 1) {
      input.value = "";
      input.disabled = true;
      help.textContent = "Not available for this model: its architecture has one style code for all layers.";
      return;
    }
    const resolutions = (model && model.layer_resolutions) || [];
    let layers = "";
    if (numWs > 1) {
      const res = resolutions.length === numWs ? ` (${resolutions[0]} px … ${resolutions[numWs - 1]} px)` : "";
      layers = ` This model has style layers 0–${numWs - 1}${res}: low numbers shape the layout, high ones the detail.`;
    }
    help.textContent = `Ranges of style layers and the style each takes, e.g. ${example}.${layers}`;
  }

  function renderModelDetails(model) {
    const rows = [
      ["id", model.id],
      ["kind", model.kind],
      ["architecture", model.architecture],
      ["image size", imageSize(model) && `${imageSize(model)} px`],
      ["style layers", model.num_ws],
      ["layer resolutions", (model.layer_resolutions || []).length ? model.layer_resolutions.map((r) => `${r} px`).join(", ") : ""],
      ["reference images", model.reference === undefined ? "" : model.reference ? "yes (style encoder)" : "no encoder"],
      ["trained", model.training && model.training.kimg !== undefined ? `${model.training.kimg} kimg, ${model.training.step} steps` : ""],
    ].filter(([, v]) => v !== undefined && v !== null && v !== "");
    const info = el("table", { class: "kv" },
      el("tbody", {}, ...rows.map(([k, v]) => el("tr", {}, el("th", { text: k }), el("td", { text: String(v) })))));
    const styles = el("table", { class: "kv" },
      el("thead", {}, el("tr", {}, el("th", { text: "style" }), el("th", { text: "description" }))),
      el("tbody", {}, ...model.styles.map((s) => el("tr", {}, el("td", { text: s.name }), el("td", { text: s.description || "" })))));
    const parts = [info, el("h3", { text: "Styles" }), styles];
    const metrics = model.metrics;
    parts.push(el("h3", { text: "Metrics" }));
    if (metrics && typeof metrics === "object" && Object.keys(metrics).length) {
      parts.push(metricsTable(metrics));
    } else {
      parts.push(el("p", { class: "hint", text: "No evaluation yet: “Evaluate the selected model” in the Train tab measures it." }));
    }
    $("model-details").replaceChildren(...parts);
  }

  /** Metrics nest deeply (metric > split > style > number): a short table of the headline
      numbers (means and overall values), and every number under "All numbers". */
  function metricsTable(metrics) {
    const flat = [];
    const walk = (prefix, value) => {
      if (value && typeof value === "object" && !Array.isArray(value)) {
        for (const [k, v] of Object.entries(value)) walk(prefix ? `${prefix}.${k}` : k, v);
      } else if (!Array.isArray(value)) {
        flat.push([prefix, value]);
      }
    };
    walk("", metrics);
    const row = ([k, v]) => el("tr", {}, el("th", { text: k }),
      el("td", { class: "num", text: typeof v === "number" ? fmt(v) : v === null ? "–" : String(v) }));
    const detailed = /(^|\.)(per_style|confusion|counts|memorisation)(\.|$)/;
    const headline = flat.filter(([k, v]) => typeof v === "number" && !detailed.test(k));
    const all = el("details", {}, el("summary", { text: `All numbers (${flat.length})` }),
      el("table", { class: "kv" }, el("tbody", {}, ...flat.map(row))));
    return el("div", {}, el("table", { class: "kv", id: "metrics-summary" }, el("tbody", {}, ...headline.slice(0, 40).map(row))), all);
  }

  function fmt(value) {
    return Math.abs(value) >= 100 ? value.toFixed(1) : Number(value.toPrecision(4)).toString();
  }

  function updateStyleDescription() {
    const name = $("gen-style").value;
    const style = state.model && state.model.styles.find((s) => s.name === name);
    $("gen-style-description").textContent = style ? style.description || "" : "";
  }

  // ---------------------------------------------------------------------------------------
  // Generate

  /** One slider per style in the box `boxId`; ids `${prefix}-0`, `${prefix}-1`, … */
  function buildWeightSliders(boxId, prefix, names) {
    const box = $(boxId);
    box.replaceChildren();
    names.forEach((name, i) => {
      const id = `${prefix}-${i}`;
      const slider = el("input", {
        type: "range", id, min: "0", max: "100", step: "1", value: "50",
        "data-style": name, "aria-describedby": `${id}-share`,
      });
      const share = el("output", { id: `${id}-share`, for: id });
      box.append(el("div", { class: "slider-row" }, el("label", { for: id, text: name, title: name }), slider, share));
      slider.addEventListener("input", () => updateShares(boxId));
    });
    updateShares(boxId);
  }

  function weightSliders(boxId) {
    return [...document.querySelectorAll(`#${boxId} input[type=range]`)];
  }

  /** The blend as shares of the total: {name: share}, or null when every weight is zero. */
  function blend(boxId) {
    const sliders = weightSliders(boxId);
    const total = sliders.reduce((sum, s) => sum + Number(s.value), 0);
    if (!total) return null;
    const weights = {};
    for (const s of sliders) {
      if (Number(s.value) > 0) weights[s.dataset.style] = Math.round((Number(s.value) / total) * 1e4) / 1e4;
    }
    return weights;
  }

  function updateShares(boxId) {
    const sliders = weightSliders(boxId);
    const total = sliders.reduce((sum, s) => sum + Number(s.value), 0);
    for (const s of sliders) {
      const share = total ? (100 * Number(s.value)) / total : 0;
      const text = `${share.toFixed(0)}%`;
      $(`${s.id}-share`).textContent = text;
      s.setAttribute("aria-valuetext", `${s.value} (${text} of the blend)`);
    }
  }

  /** Sliders set back to a stored blend ({name: share}). */
  function setBlend(boxId, weights) {
    for (const slider of weightSliders(boxId)) slider.value = String(Math.round(100 * (weights[slider.dataset.style] || 0)));
    updateShares(boxId);
  }

  function currentSource() {
    return document.querySelector('input[name="gen-source"]:checked').value;
  }

  function showSource() {
    const source = currentSource();
    for (const box of document.querySelectorAll("#generate-form .source")) {
      box.hidden = box.dataset.source !== source;
    }
  }

  async function pngBase64(file) {
    // Any image the browser can decode, re-encoded as PNG (the API takes base64 PNG).
    const bitmap = await createImageBitmap(file);
    const canvas = document.createElement("canvas");
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    canvas.getContext("2d").drawImage(bitmap, 0, 0);
    return canvas.toDataURL("image/png").split(",", 2)[1];
  }

  function parseSeedsOk(text) {
    return /^\s*\d+(\s*-\s*\d+)?(\s*,\s*\d+(\s*-\s*\d+)?)*\s*$/.test(text);
  }

  function directionValues() {
    const out = {};
    for (const s of document.querySelectorAll("#direction-sliders input[type=range]")) {
      if (Number(s.value) !== 0) out[s.dataset.index] = Number(s.value);
    }
    return out;
  }

  /** The style target and seeds a form describes, as request fields: {style} | {weights} |
      {prompt, temperature} (reference images are files, added apart), plus seeds. Generate
      and Transfer name their controls alike: `${prefix}-style`, `${prefix}-prompt`, … */
  function styleFields(source, prefix, slidersId) {
    const fields = {};
    if (source === "style") fields.style = $(`${prefix}-style`).value;
    if (source === "weights") {
      const weights = blend(slidersId);
      if (!weights) throw new ApiError("Every blend weight is zero.", "Move at least one weight slider above zero.");
      fields.weights = weights;
    }
    if (source === "prompt") {
      const prompt = $(`${prefix}-prompt`).value.trim();
      if (!prompt) throw new ApiError("The prompt is empty.", "Type a few words describing the style, e.g. “bold round shapes”.");
      fields.prompt = prompt;
      fields.temperature = Number($(`${prefix}-temperature`).value);
    }
    const seeds = $(`${prefix}-seeds`).value.trim();
    if (seeds) {
      if (!parseSeedsOk(seeds)) throw new ApiError(`Seeds “${seeds}” are not a list of numbers.`, "Write seeds like 0-7 or 1,5,9.");
      fields.seeds = seeds.replace(/\s+/g, "");
    }
    return fields;
  }

  /** Back into a form: the fields `styleFields` read, from a gallery item's settings. */
  function restoreStyleFields(settings, sourceName, prefix, slidersId) {
    check(sourceName, settings.weights ? "weights" : settings.prompt ? "prompt" : settings.reference_name ? "reference" : "style");
    if (settings.style) $(`${prefix}-style`).value = settings.style;
    if (settings.weights) setBlend(slidersId, settings.weights);
    if (settings.prompt) {
      $(`${prefix}-prompt`).value = settings.prompt;
      setRange(`${prefix}-temperature`, settings.temperature);
    }
    if (settings.seeds) $(`${prefix}-seeds`).value = settings.seeds;
  }

  /** The request body the Generate form describes (the reference image left out). */
  function generateSettings() {
    const settings = { model: state.model.id, format: "json", ...styleFields(currentSource(), "gen", "weight-sliders") };
    settings.truncation = Number($("gen-truncation").value);
    const layers = $("gen-layers").value.trim();
    if (layers) settings.layers = layers;
    const directions = directionValues();
    if (Object.keys(directions).length) settings.directions = directions;
    return settings;
  }

  /** Images of a JSON generate answer as [{src, caption}]. */
  function imagesOf(data, seedsHint) {
    const list = data.images || data.files || [];
    return list.map((item, i) => {
      const raw = typeof item === "string" ? item : item.png || item.image || item.data || item.base64 || item.url;
      const src = /^(data:|\/|https?:)/.test(raw) ? raw : `data:image/png;base64,${raw}`;
      const seed = typeof item === "object" && item.seed !== undefined ? item.seed : (data.seeds || seedsHint || [])[i];
      const style = typeof item === "object" ? item.style || item.label : undefined;
      const caption = [style, seed !== undefined ? `seed ${seed}` : null].filter(Boolean).join(", ");
      return { src, caption: caption || `image ${i + 1}` };
    });
  }

  function fileName(text, extension) {
    return `${text.replace(/[^A-Za-z0-9._=-]+/g, "-").replace(/^-+|-+$/g, "") || "image"}.${extension}`;
  }

  function renderImages(box, images, alt, modelName) {
    const model = modelName ? `${modelName}-` : "";
    box.replaceChildren(...images.map((im) => el("figure", {},
      el("img", { src: im.src, alt: `${alt}: ${im.caption}`, class: "pixel" }),
      el("figcaption", {}, `${im.caption} · `,
        el("a", { href: im.src, download: fileName(`${model}${im.caption}`, "png"), text: "save", "aria-label": `save ${im.caption} as PNG` })))));
  }

  function renderPrompt(boxId, data) {
    const box = $(boxId);
    const weights = data.prompt_weights || (data.prompt && data.prompt.weights);
    const similarities = data.similarities || (data.prompt && data.prompt.similarities) || {};
    if (!weights) {
      box.hidden = true;
      box.replaceChildren();
      return;
    }
    const names = [...new Set([...Object.keys(weights), ...Object.keys(similarities)])];
    names.sort((a, b) => (weights[b] || 0) - (weights[a] || 0));
    const rows = names.map((name) => {
      const w = weights[name] || 0;
      const s = similarities[name];
      return el("tr", {},
        el("td", { text: name }),
        el("td", { class: "num" }, `${(100 * w).toFixed(1)}%`, el("span", { class: "bar", style: `width:${Math.round(80 * w)}px` })),
        el("td", { class: "num", text: s === undefined ? "–" : s.toFixed(3) }));
    });
    box.replaceChildren(
      el("h3", { text: "The prompt picked these weights" }),
      el("table", {},
        el("caption", { class: "sr-only", text: "Style weights and similarities from the prompt" }),
        el("thead", {}, el("tr", {}, el("th", { text: "style" }), el("th", { text: "weight" }), el("th", { text: "similarity" }))),
        el("tbody", {}, ...rows)));
    box.hidden = false;
  }

  async function onGenerate(event) {
    event.preventDefault();
    const button = $("generate-button");
    if (!state.model) return show("generate-message", "error", "No model is selected.", "Pick a model at the top, or train one in the Train tab.");
    let settings;
    try {
      settings = generateSettings();
    } catch (err) {
      return showError("generate-message", err);
    }
    const body = { ...settings };
    await busy(button, "generate-message", "Generating…", async (started) => {
      if (currentSource() === "reference") {
        const file = $("gen-reference").files[0];
        if (!file) throw new ApiError("No reference image chosen.", "Choose an image file under “Reference image”.");
        body.reference = await pngBase64(file);
        settings.reference_name = file.name;
      }
      const data = await (await api("POST", "/generate", { json: body })).json();
      const done = await showImages(data, "generate", settings, started, ["generate-images", "prompt-result", "generated image"]);
      show("generate-message", "ok", done);
    });
  }

  /** An images answer (generate or transfer, format json) shown in its panel — the images
      box, the prompt box, the images' alt text — and kept in the gallery; says how many
      images came in how long. */
  async function showImages(data, kind, settings, started, [imagesBox, promptBox, alt]) {
    const images = imagesOf(data);
    renderImages($(imagesBox), images, alt, settings.model);
    renderPrompt(promptBox, data);
    const took = seconds(started);
    await addToGallery({
      kind,
      model: settings.model,
      settings,
      images: images.map((im) => im.src),
      captions: images.map((im) => im.caption),
      prompt_weights: data.prompt_weights || (data.prompt && data.prompt.weights),
    });
    return `${images.length} image${images.length === 1 ? "" : "s"} in ${took}.`;
  }

  // Direction sliders ---------------------------------------------------------------------

  function resetDirections(text) {
    $("direction-sliders").replaceChildren();
    $("reset-directions").hidden = true;
    $("load-directions").hidden = false;
    $("directions-status").textContent = text;
  }

  function buildDirectionSliders(section) {
    const box = $("direction-sliders");
    const list = section.directions || [];
    box.replaceChildren();
    if (!list.length) {
      $("directions-status").textContent = "This model's explain report lists no directions.";
      return;
    }
    const sigmas = section.sigmas || [-3, 3];
    const lo = Math.min(...sigmas);
    const hi = Math.max(...sigmas);
    for (const d of list) {
      const id = `direction-${d.index}`;
      const slider = el("input", {
        type: "range", id, min: String(lo), max: String(hi), step: "0.25", value: "0",
        "data-index": String(d.index), "aria-describedby": `${id}-value`,
      });
      const out = el("output", { id: `${id}-value`, for: id, text: "0 σ" });
      slider.addEventListener("input", () => { out.textContent = `${Number(slider.value)} σ`; });
      // Named as on the explain page: PC1 is direction 0, with its share of the code variance.
      const share = typeof d.explained === "number" ? ` · ${(100 * d.explained).toFixed(0)}%` : "";
      const name = `PC${d.index + 1}${share}`;
      box.append(el("div", { class: "slider-row" },
        el("label", { for: id, text: name, title: `direction ${d.index}: principal axis ${d.index + 1}${share ? `, ${share.slice(3)} of the code variance` : ""}` }), slider, out));
    }
    $("directions-status").textContent =
      `${list.length} GANSpace direction${list.length === 1 ? "" : "s"} (principal axes of the style codes, with their share of the variance), in standard deviations; 0 leaves the image as it is.`;
    $("reset-directions").hidden = false;
    $("load-directions").hidden = true;
  }

  /** An explanation answer: {model, report (explain.json), page, images {name: url}}. */
  async function runExplain() {
    return (await api("POST", "/explain", { json: { model: state.model.id } })).json();
  }

  function useExplanation(answer) {
    const report = answer.report || {};
    renderExplain(answer);
    if (report.directions && (report.directions.directions || []).length) {
      state.directions = report.directions;
      buildDirectionSliders(report.directions);
    } else {
      resetDirections("Direction sliders are not available: this model's explain report lists no directions.");
    }
  }

  /** The model's last explanation, if it has one (cheap: no computing). */
  async function loadExplanation(model) {
    const link = model.links && model.links.explain;
    if (!link) {
      resetDirections(
        "No explain report for this model yet, so no direction sliders. “Load directions” runs one " +
        "(it trains a small style judge on the model's training data: seconds for a small model, minutes for a large one).");
      return;
    }
    $("directions-status").textContent = "Reading the model's explain report…";
    try {
      const answer = await (await api("GET", link.replace(/^\/v1/, ""))).json();
      if (state.model !== model) return; // another model was picked meanwhile
      useExplanation(answer);
    } catch (err) {
      resetDirections(`Direction sliders are not available: ${err.message}`);
    }
  }

  async function onLoadDirections() {
    if (!state.model) return;
    const button = $("load-directions");
    button.disabled = true;
    $("directions-status").textContent = "Running the explain report for the directions…";
    try {
      useExplanation(await runExplain());
    } catch (err) {
      $("directions-status").textContent =
        `Direction sliders are not available for this model: ${err.message}${err.fix ? `. How to fix: ${err.fix}` : ""}`;
    } finally {
      button.disabled = false;
    }
  }

  // Explain -------------------------------------------------------------------------------

  const EXPLAIN_TITLES = {
    style_map: "Style map",
    strength: "Strength sweep",
    layers_judge: "Layer attribution (judge)",
    layers_features: "Layer attribution (features)",
    directions: "Latent directions",
  };

  function renderExplain(answer) {
    const report = answer.report || {};
    const figures = Object.entries(answer.images || {}).map(([name, url]) => {
      const title = EXPLAIN_TITLES[name] || name.replace(/[_-]/g, " ");
      return el("figure", {}, el("img", { src: url, alt: title }), el("figcaption", { text: title }));
    });
    const parts = [];
    if (answer.page) {
      parts.push(el("p", {}, el("a", { href: answer.page, target: "_blank", rel: "noopener", text: "Open the full explain page" }), " (new tab)"));
    }
    const sentence = report.layers && report.layers.sentence;
    if (sentence) parts.push(el("p", { text: sentence }));
    const box = el("div", { class: "explain-images" }, ...figures);
    $("explain-images").replaceChildren(...parts, box);
    if (!figures.length && !sentence) $("explain-images").append(el("p", { class: "hint", text: "The report came back without images." }));
  }

  async function onExplain() {
    if (!state.model) return show("explain-message", "error", "No model is selected.");
    await busy($("explain-button"), "explain-message", "Running the explain report…", async (started) => {
      useExplanation(await runExplain());
      show("explain-message", "ok", `Explain report ready in ${seconds(started)}; its directions are now sliders in Generate.`);
    });
  }

  // ---------------------------------------------------------------------------------------
  // Interpolate

  function currentPath() {
    return document.querySelector('input[name="interp-path"]:checked').value;
  }

  function showPath() {
    const path = currentPath();
    for (const box of document.querySelectorAll("#interpolate-form .path")) {
      box.hidden = !box.dataset.path.split(" ").includes(path);
    }
  }

  function interpolateSettings() {
    const settings = { model: state.model.id, truncation: Number($("interp-truncation").value) };
    const path = currentPath();
    if (path === "seeds") {
      const seeds = $("interp-seeds").value.replace(/\s+/g, "");
      if (!parseSeedsOk(seeds)) throw new ApiError(`Seeds “${seeds}” are not a list of numbers.`, "Write two or more keypoint seeds, e.g. 0,5,9.");
      settings.seeds = seeds;
      settings.style = $("interp-style").value;
      settings.mode = $("interp-mode").value;
    } else {
      const seed = Number($("interp-seed").value);
      if (!Number.isInteger(seed) || seed < 0) throw new ApiError("The seed must be a whole number, 0 or more.", "");
      settings.seed = seed;
      if (path === "styles") {
        // Plain names may be split by commas; a blend has commas of its own, so keypoints
        // holding blends are split by semicolons: "circle; circle=0.5,square=0.5; square".
        const text = $("interp-styles").value;
        const styles = text.split(text.includes(";") || text.includes("=") ? ";" : ",").map((s) => s.trim()).filter(Boolean);
        if (styles.length < 2) throw new ApiError("A style path needs two or more keypoints.", `Write style names separated by commas, e.g. ${styleNames().join(", ")}; with blends, separate keypoints by semicolons.`);
        settings.styles = styles;
      } else {
        settings.wheel = true;
      }
    }
    const frames = $("interp-frames").value.trim();
    if (frames) settings.frames = Number(frames);
    return settings;
  }

  function blobToDataUrl(blob) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
  }

  async function onInterpolate(event) {
    event.preventDefault();
    if (!state.model) return show("interpolate-message", "error", "No model is selected.", "Pick a model at the top.");
    let settings;
    try {
      settings = interpolateSettings();
    } catch (err) {
      return showError("interpolate-message", err);
    }
    await busy($("interpolate-button"), "interpolate-message", "Rendering the animation…", async (started) => {
      const blob = await (await api("POST", "/interpolate", { json: settings })).blob();
      const url = await blobToDataUrl(blob);
      const img = $("interpolate-gif");
      img.src = url;
      const what = settings.wheel ? `style wheel, seed ${settings.seed}`
        : settings.styles ? `${settings.styles.join(" → ")}, seed ${settings.seed}`
          : `seeds ${settings.seeds}, ${settings.style}`;
      img.alt = `animation: ${what}`;
      $("interpolate-caption").replaceChildren(`${what} · `,
        el("a", { href: url, download: fileName(`${settings.model}-${what}`, "gif"), text: "save GIF" }));
      $("interpolate-figure").hidden = false;
      const took = seconds(started);
      await addToGallery({ kind: "interpolate", model: settings.model, settings, images: [url], captions: [what] });
      show("interpolate-message", "ok", `Animation (${(blob.size / 1024).toFixed(0)} KiB) in ${took}.`);
    });
  }

  // ---------------------------------------------------------------------------------------
  // Transfer: a translation model restyles an uploaded image or a line of text. It has its
  // own model picker, because the model at the top drives the synthesis tools.

  /** The translation models into the Transfer tab's picker, keeping the current choice. */
  function fillTransferModels() {
    const select = $("transfer-model");
    const keep = select.value || sessionStorage.getItem("polystyle.transferModel");
    const ids = state.models.filter(isTranslation).map(modelId);
    select.replaceChildren(...ids.map((id) => el("option", { value: id, text: id })));
    if (!ids.length) {
      select.append(el("option", { value: "", text: "no translation models" }));
      $("transfer-model-help").textContent =
        "The server has no translation model: train one with `polystyle train DATA --task translate`, copy its model folder into the server's models folder, then press Reload at the top.";
      state.transferModel = null;
      $("transfer-style").replaceChildren();
      $("transfer-weight-sliders").replaceChildren();
      return;
    }
    if (ids.includes(keep)) select.value = keep;
    selectTransferModel(select.value);
  }

  async function selectTransferModel(id) {
    sessionStorage.setItem("polystyle.transferModel", id);
    try {
      const model = await getJSON(`/models/${encodeURIComponent(id)}`);
      model.id = model.id || id;
      state.transferModel = model;
    } catch (err) {
      state.transferModel = null;
      return showError("transfer-message", err);
    }
    const model = state.transferModel;
    const names = model.styles.map((s) => s.name);
    const style = $("transfer-style");
    const keep = style.value;
    style.replaceChildren(...names.map((n) => el("option", { value: n, text: n })));
    if (names.includes(keep)) style.value = keep;
    buildWeightSliders("transfer-weight-sliders", "tweight", names);
    const textRadio = document.querySelector('input[name="transfer-source"][value="text"]');
    textRadio.disabled = !model.text_source;
    textRadio.parentElement.title = model.text_source ? "" : "this model's styles are not built-in fonts";
    if (!model.text_source && textRadio.checked) {
      check("transfer-source", "image");
      showTransferSource();
    }
    const size = imageSize(model);
    $("transfer-model-help").textContent =
      `${names.length} style${names.length === 1 ? "" : "s"}: ${names.join(", ")}` +
      (size ? `; trained at ${size}×${size} px` : "") +
      (model.text_source ? `; text is drawn in its ${model.text_source} font first.` : "; image input only.");
  }

  function showTransferSource() {
    const source = document.querySelector('input[name="transfer-source"]:checked').value;
    for (const box of document.querySelectorAll("#transfer-form .tsource")) box.hidden = box.dataset.tsource !== source;
  }

  function transferTarget() {
    return document.querySelector('input[name="transfer-target"]:checked').value;
  }

  function showTransferTarget() {
    const target = transferTarget();
    for (const box of document.querySelectorAll("#transfer-form .ttarget")) box.hidden = box.dataset.ttarget !== target;
  }

  /** The form fields the Transfer form describes, files left out (they are added to the
      request, and only their names to the gallery). */
  function transferSettings() {
    const settings = { model: state.transferModel.id, format: "json", strength: Number($("transfer-strength").value) };
    if (document.querySelector('input[name="transfer-source"]:checked').value === "text") {
      const text = $("transfer-text").value.trim();
      if (!text) throw new ApiError("The text is empty.", "Type the characters to draw, or switch to An image.");
      settings.text = text;
    }
    return { ...settings, ...styleFields(transferTarget(), "transfer", "transfer-weight-sliders") };
  }

  /** The multipart request: the settings as fields (a blend as JSON), the files attached. */
  function transferForm(settings) {
    const form = new FormData();
    for (const [key, value] of Object.entries(settings)) {
      form.append(key, typeof value === "object" ? JSON.stringify(value) : String(value));
    }
    if (!settings.text) {
      const file = $("transfer-image").files[0];
      if (!file) throw new ApiError("No image chosen.", "Choose an image file under “Image”, or switch to Text.");
      form.append("image", file, file.name);
    }
    if (transferTarget() === "reference") {
      const files = [...$("transfer-reference").files];
      if (!files.length) throw new ApiError("No reference image chosen.", "Choose one or more image files under “Reference images”.");
      for (const file of files) form.append("reference", file, file.name);
    }
    return form;
  }

  async function onTransfer(event) {
    event.preventDefault();
    if (!state.transferModel) {
      return show("transfer-message", "error", "No translation model is selected.",
        "Train one with `polystyle train DATA --task translate`, copy its model folder into the server's models folder, then press Reload at the top.");
    }
    let settings;
    let form;
    try {
      settings = transferSettings();
      form = transferForm(settings);
    } catch (err) {
      return showError("transfer-message", err);
    }
    if (!settings.text) settings.image_name = $("transfer-image").files[0].name;
    if (transferTarget() === "reference") settings.reference_name = [...$("transfer-reference").files].map((f) => f.name).join(", ");
    await busy($("transfer-button"), "transfer-message", "Transferring…", async (started) => {
      const data = await (await api("POST", "/transfer", { body: form })).json();
      const done = await showImages(data, "transfer", settings, started, ["transfer-images", "transfer-prompt-result", "transferred image"]);
      show("transfer-message", "ok", `${done} Target: ${shares(data.weights)}.`);
    });
  }

  // ---------------------------------------------------------------------------------------
  // Jobs: train / evaluate, live progress by server-sent events with polling as the fallback

  function showDatasetSource() {
    const source = document.querySelector('input[name="train-dataset"]:checked').value;
    for (const box of document.querySelectorAll("#train-form .dsource")) box.hidden = box.dataset.dsource !== source;
  }

  function overrides() {
    const lines = $("train-overrides").value.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    const bad = lines.filter((l) => !/^[\w.-]+\s*=/.test(l));
    if (bad.length) throw new ApiError(`Override “${bad[0]}” is not key=value.`, "Write one override a line, e.g. train.batch=8.");
    return lines.map((l) => l.replace(/\s*=\s*/, "="));
  }

  /** The dataset fields of a job: {dataset: name} or, after uploading the zip, {upload: id}. */
  async function datasetFields(message) {
    const upload = document.querySelector('input[name="train-dataset"]:checked').value === "upload";
    if (!upload) {
      const name = $("train-builtin").value.trim();
      if (!name) throw new ApiError("No dataset named.", "Type a built-in dataset name, e.g. fonts-cjk.");
      return { fields: { dataset: name }, label: name };
    }
    const file = $("train-zip").files[0];
    if (!file) throw new ApiError("No zip chosen.", "Choose a .zip of style folders, or switch to Built-in.");
    show(message, "", `Uploading ${file.name} (${(file.size / 1024).toFixed(0)} KiB)…`);
    const form = new FormData();
    form.append("file", file, file.name);
    const summary = await (await api("POST", "/uploads", { body: form })).json();
    const styles = (summary.styles || []).map((st) => `${st.name} (${st.images})`).join(", ");
    logJobLater(`uploaded ${file.name}: ${summary.images} images in ${(summary.styles || []).length} styles: ${styles}`);
    return { fields: { upload: summary.id }, label: `${file.name}` };
  }

  let pendingLog = [];
  function logJobLater(text) {
    pendingLog.push(text);
  }

  async function onTrain(event) {
    event.preventDefault();
    let sets;
    try {
      sets = overrides();
    } catch (err) {
      return showError("job-message", err);
    }
    const spec = { kind: "train", preset: $("train-preset").value };
    if (sets.length) spec.set = sets;
    const amount = $("train-budget").value.trim();
    if (amount !== "") {
      const budget = Number(amount);
      if (!(budget > 0)) return show("job-message", "error", "The budget must be a number above zero.", "Type the training length, e.g. 10 minutes.");
      spec[$("train-budget-kind").value] = budget;
    }
    if ($("train-name").value.trim()) spec.name = $("train-name").value.trim();
    pendingLog = [];
    await busy($("train-button"), "job-message", "Starting the job…", async () => {
      const { fields, label } = await datasetFields("job-message");
      Object.assign(spec, fields);
      show("job-message", "", "Queueing the training job…");
      const job = await (await api("POST", "/jobs", { json: spec })).json();
      watchJob(job, `Training on ${label}`);
    });
  }

  async function onEvaluate(event) {
    event.preventDefault();
    if (!state.model) return show("job-message", "error", "No model is selected.", "Pick a model at the top first.");
    const spec = { kind: "evaluate", model: state.model.id };
    const n = $("eval-n").value.trim();
    if (n) spec.n = Number(n);
    const metrics = $("eval-metrics").value.replace(/\s+/g, "");
    if (metrics) spec.metrics = metrics;
    pendingLog = [];
    await busy($("evaluate-button"), "job-message", "Starting the evaluation…", async () => {
      const job = await (await api("POST", "/jobs", { json: spec })).json();
      watchJob(job, `Evaluating ${state.model.id}`);
    });
  }

  function stopWatching() {
    const job = state.job;
    if (!job) return;
    if (job.source) job.source.close();
    if (job.timer) clearTimeout(job.timer);
    job.source = null;
    job.timer = null;
  }

  function jobTitle(job) {
    const params = job.params || {};
    if (job.kind === "evaluate") return `Evaluating ${params.model || "a model"}`;
    return `Training on ${params.dataset || (params.upload ? `upload ${params.upload}` : "a dataset")}`;
  }

  function watchJob(job, title) {
    stopWatching();
    state.job = { id: job.id, kind: job.kind, title: title || jobTitle(job), finished: false, sample: "" };
    show("job-message", "", "");
    $("job").hidden = false;
    $("job-title").textContent = `${state.job.title} (job ${job.id})`;
    $("job-log").replaceChildren();
    $("job-progress").value = 0;
    $("job-detail").textContent = "";
    $("job-eta").textContent = "";
    $("job-sample-figure").hidden = true;
    $("job-use-model").hidden = true;
    $("job-resume").hidden = true;
    $("job-cancel").hidden = false;
    $("job-cancel").disabled = false;
    $("job-log-link").href = `${API}/jobs/${encodeURIComponent(job.id)}/log`;
    for (const line of pendingLog) logJob(line);
    pendingLog = [];
    logJob(`job ${job.id}: ${job.state}`);
    updateJob(job);
    if (!state.job.finished) listen(job.id);
  }

  /** Live progress: server-sent events ('job' snapshots, 'run' trainer events, 'end');
      when the stream is not available or drops, GET /v1/jobs/{id} every second. */
  function listen(id) {
    if (!("EventSource" in window)) return poll(id);
    const source = new EventSource(`${API}/jobs/${encodeURIComponent(id)}/events`);
    state.job.source = source;
    let heard = false;
    const parse = (event) => {
      heard = true;
      try {
        return JSON.parse(event.data);
      } catch (_) {
        return null;
      }
    };
    const mine = () => state.job && state.job.id === id;
    source.addEventListener("job", (event) => { const d = parse(event); if (mine() && d) updateJob(d); });
    source.addEventListener("run", (event) => { const d = parse(event); if (mine() && d) logRunEvent(d); });
    source.addEventListener("end", () => {
      source.close();
      if (mine() && !state.job.finished) poll(id); // read the final state once
    });
    source.onmessage = (event) => { const d = parse(event); if (mine() && d) updateJob(d); };
    source.onerror = () => {
      source.close();
      if (!mine() || state.job.finished) return;
      state.job.source = null;
      logJob(heard ? "live events interrupted; polling for progress" : "live events not available; polling for progress");
      poll(id);
    };
  }

  async function poll(id) {
    if (!state.job || state.job.id !== id || state.job.finished) return;
    try {
      updateJob(await getJSON(`/jobs/${encodeURIComponent(id)}`));
    } catch (err) {
      showError("job-message", err);
    }
    if (state.job && state.job.id === id && !state.job.finished) {
      state.job.timer = setTimeout(() => poll(id), 1000);
    }
  }

  function logJob(text) {
    const log = $("job-log");
    log.append(el("li", { text: `${new Date().toLocaleTimeString()}  ${text}` }));
    while (log.children.length > 200) log.firstChild.remove();
    log.scrollTop = log.scrollHeight;
  }

  function logRunEvent(event) {
    const parts = [event.event || "event"];
    if (event.step !== undefined) parts.push(`at step ${event.step}`);
    if (event.reason) parts.push(`(${event.reason})`);
    if (event.kimg !== undefined && event.event !== "checkpoint") parts.push(`${fmt(Number(event.kimg))} kimg`);
    if (event.device) parts.push(`on ${event.device}`);
    logJob(parts.join(" "));
  }

  function formatEta(eta) {
    if (eta === undefined || eta === null || Number.isNaN(Number(eta))) return "";
    const s = Math.max(0, Math.round(Number(eta)));
    return s >= 60 ? `about ${Math.floor(s / 60)} min ${s % 60} s left` : `about ${s} s left`;
  }

  /** One job snapshot (GET /v1/jobs/{id} or an SSE 'job' event). */
  function updateJob(job) {
    if (!state.job || !job || (job.id && job.id !== state.job.id)) return;
    const jobState = String(job.state || "");
    const previous = $("job-state").textContent;
    if (jobState) {
      $("job-state").textContent = jobState;
      $("job-badge").textContent = TERMINAL.has(jobState) ? "" : `(${jobState})`;
      if (previous && previous !== jobState) logJob(`state: ${jobState}`);
    }
    const progress = job.progress || {};
    if (typeof progress.fraction !== "number" && progress.minutes && typeof progress.elapsed_s === "number") {
      progress.fraction = Math.min(1, progress.elapsed_s / (60 * progress.minutes)); // a time budget only
    }
    if (typeof progress.fraction === "number") {
      $("job-progress").value = progress.fraction;
      $("job-progress").textContent = `${Math.round(100 * progress.fraction)}%`;
    }
    $("job-eta").textContent = jobState === "running" ? formatEta(progress.eta_s) : "";
    const details = [];
    if (progress.step !== undefined && progress.step !== null) details.push(`step ${progress.step}`);
    if (typeof progress.kimg === "number") {
      details.push(`${fmt(progress.kimg)}${progress.total_kimg ? ` of ${fmt(progress.total_kimg)}` : ""} kimg`);
    }
    if (typeof progress.img_s === "number") details.push(`${fmt(progress.img_s)} img/s`);
    if (typeof progress.g_loss === "number") details.push(`G loss ${fmt(progress.g_loss)}`);
    if (typeof progress.d_loss === "number") details.push(`D loss ${fmt(progress.d_loss)}`);
    if (details.length) $("job-detail").textContent = details.join(" · ");
    const sample = job.links && job.links.sample;
    if (sample && sample !== state.job.sample) {
      state.job.sample = sample;
      $("job-sample").src = sample;
      $("job-sample-caption").textContent = `Latest sample grid: ${sample.split("/").pop().replace(/\.png$/, "")} (a row per style)`;
      $("job-sample-figure").hidden = false;
    }
    if (TERMINAL.has(jobState.toLowerCase())) finishJob(job, jobState.toLowerCase());
  }

  function finishJob(job, jobState) {
    if (state.job.finished) return;
    state.job.finished = true;
    stopWatching();
    $("job-cancel").hidden = true;
    $("job-eta").textContent = "";
    if (OK_STATES.has(jobState)) {
      $("job-progress").value = 1;
      $("job-progress").textContent = "100%";
      const result = job.result || {};
      state.job.model = job.model || undefined;
      const why = result.reason ? ` (${result.reason})` : "";
      if (result.step !== undefined) {
        $("job-detail").textContent = `step ${result.step}${result.kimg !== undefined ? ` · ${fmt(Number(result.kimg))} kimg` : ""}`;
      }
      if (job.kind === "evaluate") {
        show("job-message", "ok", `The evaluation finished${why}: the metrics are in the Model tab.`);
        selectModel($("model").value);
      } else {
        show("job-message", "ok", `The job finished${why}: model ${state.job.model || "?"} is ready.`);
        if (state.job.model) $("job-use-model").hidden = false;
        loadModels(state.model && state.model.id);
      }
      return;
    }
    if (job.resumable) $("job-resume").hidden = false;
    if (jobState === "cancelled") {
      show("job-message", "notice", "The job was cancelled.", "",
        job.resumable ? "“Resume job” continues it (a training run from its last checkpoint)." : "");
    } else if (jobState === "interrupted") {
      show("job-message", "notice", `The job was interrupted: ${job.error || "the server stopped while it ran"}.`, "",
        "“Resume job” continues it (a training run from its last checkpoint).");
    } else {
      show("job-message", "error", `The job failed: ${job.error || "no reason given"}.`,
        "Read the job's log (link below) for the details, correct the settings and start it again.");
    }
  }

  async function onCancelJob() {
    if (!state.job) return;
    const id = state.job.id;
    await busy($("job-cancel"), "job-message", "Cancelling…", async () => {
      const job = await (await api("DELETE", `/jobs/${encodeURIComponent(id)}`)).json();
      show("job-message", "notice", "Cancel requested: a training run saves a checkpoint first.");
      updateJob(job);
    });
  }

  async function onResumeJob() {
    if (!state.job) return;
    const { id, title } = state.job;
    await busy($("job-resume"), "job-message", "Resuming…", async () => {
      const job = await (await api("POST", `/jobs/${encodeURIComponent(id)}/resume`)).json();
      watchJob(job, title);
    });
  }

  async function onUseModel() {
    const id = state.job && state.job.model;
    if (!id) return;
    await loadModels(id);
    $("model").value = id;
    await selectModel(id);
    state.selectTab("tab-generate");
  }

  /** After a reload: show the job still queued or running, if there is one. */
  async function reattachJob() {
    try {
      const data = await getJSON("/jobs");
      const live = (data.jobs || []).find((j) => j.state === "running" || j.state === "queued");
      if (live) watchJob(live);
    } catch (_) {
      // the job list is a convenience; the page works without it
    }
  }

  async function checkHealth() {
    try {
      const health = await getJSON("/health");
      $("token-help").textContent = health.token_required
        ? "needed for training, uploads, explain · kept for this tab only"
        : "not needed by this server";
    } catch (_) {
      // shown by the model list's error already
    }
  }

  // ---------------------------------------------------------------------------------------
  // Gallery (localStorage)

  function readGallery() {
    try {
      const items = JSON.parse(localStorage.getItem(GALLERY_KEY) || "[]");
      return Array.isArray(items) ? items : [];
    } catch (_) {
      return [];
    }
  }

  function writeGallery(items) {
    let list = items.slice(0, GALLERY_MAX);
    for (;;) {
      try {
        localStorage.setItem(GALLERY_KEY, JSON.stringify(list));
        return list;
      } catch (err) {
        if (list.length <= 1) {
          show("gallery-message", "notice", "The browser's storage is full: this result is not kept in the gallery.");
          return list;
        }
        list = list.slice(0, -1); // drop the oldest until it fits
      }
    }
  }

  const THUMB_PX = 96;
  const KEEP_GIF_BYTES = 400 * 1024;

  /** A small copy for the gallery (browser storage holds ~5 MB): images larger than
      THUMB_PX are scaled down; a large animation keeps its first frame. */
  function thumbnail(src) {
    return new Promise((resolve) => {
      const gif = src.startsWith("data:image/gif");
      const image = new Image();
      image.onload = () => {
        const side = Math.max(image.naturalWidth, image.naturalHeight);
        if (gif ? src.length < KEEP_GIF_BYTES : side <= THUMB_PX) return resolve(src);
        const scale = Math.min(1, THUMB_PX / side);
        const canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(image.naturalWidth * scale));
        canvas.height = Math.max(1, Math.round(image.naturalHeight * scale));
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        resolve(canvas.toDataURL("image/png"));
      };
      image.onerror = () => resolve(src);
      image.src = src;
    });
  }

  async function addToGallery(entry) {
    const item = { id: `${Date.now()}-${Math.random().toString(36).slice(2, 7)}`, time: new Date().toISOString(), ...entry };
    item.images = await Promise.all((item.images || []).slice(0, 8).map(thumbnail));
    item.captions = (item.captions || []).slice(0, 8);
    writeGallery([item, ...readGallery()]);
    renderGalleryCount();
  }

  function renderGalleryCount() {
    const n = readGallery().length;
    $("gallery-count").textContent = n ? `(${n})` : "";
  }

  /** "kai 70%, hei 30%": the styles that take a visible share, largest first. */
  function shares(weights) {
    return Object.entries(weights).filter(([, v]) => v >= 0.005).sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${(100 * v).toFixed(0)}%`).join(", ");
  }

  function describe(settings) {
    const parts = [];
    if (settings.image_name) parts.push(`image ${settings.image_name}`);
    if (settings.text) parts.push(`text “${settings.text}”`);
    if (settings.style) parts.push(`style ${settings.style}`);
    if (settings.weights) parts.push(`blend ${shares(settings.weights)}`);
    if (settings.prompt) parts.push(`prompt “${settings.prompt}” (temperature ${settings.temperature})`);
    if (settings.reference_name) parts.push(`reference ${settings.reference_name}`);
    if (settings.styles) parts.push(`styles ${settings.styles.join(" → ")}`);
    if (settings.wheel) parts.push("style wheel");
    if (settings.seeds !== undefined) parts.push(`seeds ${settings.seeds}`);
    if (settings.seed !== undefined) parts.push(`seed ${settings.seed}`);
    if (settings.mode) parts.push(settings.mode);
    if (settings.frames) parts.push(`${settings.frames} frames`);
    if (settings.strength !== undefined) parts.push(`strength ${settings.strength}`);
    if (settings.truncation !== undefined) parts.push(`truncation ${settings.truncation}`);
    if (settings.layers) parts.push(`layers ${settings.layers}`);
    if (settings.directions) parts.push(`directions ${Object.entries(settings.directions).map(([k, v]) => `${k}=${v}`).join(",")}`);
    return parts.join(" · ");
  }

  const GALLERY_TITLES = { generate: "Images", interpolate: "Animation", transfer: "Transferred images" };

  function renderGallery() {
    const items = readGallery();
    renderGalleryCount();
    const list = $("gallery");
    if (!items.length) {
      list.replaceChildren(el("li", { class: "empty", text: "Nothing yet: results from Generate, Interpolate and Transfer appear here." }));
      return;
    }
    list.replaceChildren(...items.map((item) => {
      const title = `${GALLERY_TITLES[item.kind] || "Images"} from ${item.model}`;
      const thumbs = el("div", { class: "thumbs" }, ...item.images.map((src, i) =>
        el("img", { src, class: "pixel", alt: `${title}: ${item.captions[i] || `image ${i + 1}`}` })));
      const reuse = el("button", { type: "button", text: "Use these settings" });
      reuse.addEventListener("click", () => reuseSettings(item));
      const remove = el("button", { type: "button", text: "Remove", "aria-label": `Remove ${title} from the gallery` });
      remove.addEventListener("click", () => {
        writeGallery(readGallery().filter((x) => x.id !== item.id));
        renderGallery();
      });
      return el("li", {},
        el("h3", { text: title }),
        thumbs,
        el("p", { class: "meta", text: describe(item.settings) }),
        item.prompt_weights ? el("p", { class: "meta", text: `the prompt picked ${shares(item.prompt_weights)}` }) : null,
        el("p", { class: "meta", text: new Date(item.time).toLocaleString() }),
        el("div", { class: "row" }, reuse, remove));
    }));
  }

  function check(name, value) {
    const radio = document.querySelector(`input[name="${name}"][value="${value}"]`);
    if (radio) radio.checked = true;
  }

  async function reuseSettings(item) {
    const s = item.settings;
    if (item.kind === "transfer") return reuseTransfer(s);
    if (s.model && state.model && s.model !== state.model.id && state.models.some((m) => modelId(m) === s.model)) {
      $("model").value = s.model;
      await selectModel(s.model);
    }
    if (item.kind === "interpolate") {
      check("interp-path", s.wheel ? "wheel" : s.styles ? "styles" : "seeds");
      if (s.seeds) $("interp-seeds").value = s.seeds;
      if (s.style) $("interp-style").value = s.style;
      if (s.mode) $("interp-mode").value = s.mode;
      if (s.styles) $("interp-styles").value = s.styles.join(s.styles.some((k) => k.includes("=")) ? "; " : ", ");
      if (s.seed !== undefined) $("interp-seed").value = s.seed;
      $("interp-frames").value = s.frames || "";
      setRange("interp-truncation", s.truncation);
      showPath();
      state.selectTab("tab-interpolate");
      return;
    }
    restoreStyleFields(s, "gen-source", "gen", "weight-sliders");
    setRange("gen-truncation", s.truncation);
    $("gen-layers").value = s.layers || "";
    for (const slider of document.querySelectorAll("#direction-sliders input[type=range]")) {
      slider.value = String((s.directions || {})[slider.dataset.index] || 0);
      slider.dispatchEvent(new Event("input"));
    }
    showSource();
    state.selectTab("tab-generate");
    let note = s.directions && !document.querySelector("#direction-sliders input")
      ? " Load the direction sliders to restore its directions." : "";
    if (s.reference_name) note += ` Choose the reference image (${s.reference_name}) again: the gallery keeps no uploads.`;
    show("generate-message", "notice", `Settings restored from the gallery.${note}`);
  }

  async function reuseTransfer(s) {
    if (s.model !== $("transfer-model").value && state.models.some((m) => modelId(m) === s.model)) {
      $("transfer-model").value = s.model;
      await selectTransferModel(s.model);
    }
    check("transfer-source", s.text ? "text" : "image");
    $("transfer-text").value = s.text || "";
    $("transfer-seeds").value = "0";
    restoreStyleFields(s, "transfer-target", "transfer", "transfer-weight-sliders");
    setRange("transfer-strength", s.strength);
    showTransferSource();
    showTransferTarget();
    state.selectTab("tab-transfer");
    const files = [s.image_name, s.reference_name].filter(Boolean).join(", ");
    const note = files ? ` Choose the files (${files}) again: the gallery keeps no uploads.` : "";
    show("transfer-message", "notice", `Settings restored from the gallery.${note}`);
  }

  function setRange(id, value) {
    if (value === undefined) return;
    $(id).value = String(value);
    $(id).dispatchEvent(new Event("input"));
  }

  // ---------------------------------------------------------------------------------------
  // Wiring

  function bindOutput(inputId, outputId, digits) {
    const input = $(inputId);
    const update = () => { $(outputId).textContent = Number(input.value).toFixed(digits); };
    input.addEventListener("input", update);
    update();
  }

  /** Show the file chosen in `inputId` as a thumbnail in `imageId`. */
  function previewFile(inputId, imageId) {
    $(inputId).addEventListener("change", () => {
      const file = $(inputId).files[0];
      const preview = $(imageId);
      if (preview.src) URL.revokeObjectURL(preview.src);
      preview.hidden = !file;
      if (file) preview.src = URL.createObjectURL(file);
    });
  }

  function init() {
    setupTabs();
    const tokenInput = $("token");
    tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || "";
    tokenInput.addEventListener("input", () => sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim()));

    $("model").addEventListener("change", () => selectModel($("model").value));
    $("reload-models").addEventListener("click", onReloadModels);
    $("gen-style").addEventListener("change", updateStyleDescription);
    for (const r of document.querySelectorAll('input[name="gen-source"]')) r.addEventListener("change", showSource);
    for (const r of document.querySelectorAll('input[name="interp-path"]')) r.addEventListener("change", showPath);
    for (const r of document.querySelectorAll('input[name="transfer-source"]')) r.addEventListener("change", showTransferSource);
    for (const r of document.querySelectorAll('input[name="transfer-target"]')) r.addEventListener("change", showTransferTarget);
    $("transfer-model").addEventListener("change", () => selectTransferModel($("transfer-model").value));
    for (const r of document.querySelectorAll('input[name="train-dataset"]')) r.addEventListener("change", showDatasetSource);
    bindOutput("gen-temperature", "gen-temperature-value", 2);
    bindOutput("gen-truncation", "gen-truncation-value", 2);
    bindOutput("interp-truncation", "interp-truncation-value", 2);
    bindOutput("transfer-strength", "transfer-strength-value", 2);
    bindOutput("transfer-temperature", "transfer-temperature-value", 2);
    $("weights-even").addEventListener("click", () => {
      for (const s of weightSliders("weight-sliders")) s.value = "50";
      updateShares("weight-sliders");
    });
    $("weights-zero").addEventListener("click", () => {
      for (const s of weightSliders("weight-sliders")) s.value = "0";
      updateShares("weight-sliders");
    });
    previewFile("gen-reference", "gen-reference-preview");
    previewFile("transfer-image", "transfer-image-preview");
    $("generate-form").addEventListener("submit", onGenerate);
    $("load-directions").addEventListener("click", onLoadDirections);
    $("reset-directions").addEventListener("click", () => {
      for (const s of document.querySelectorAll("#direction-sliders input[type=range]")) {
        s.value = "0";
        s.dispatchEvent(new Event("input"));
      }
    });
    $("interpolate-form").addEventListener("submit", onInterpolate);
    $("transfer-form").addEventListener("submit", onTransfer);
    $("train-form").addEventListener("submit", onTrain);
    $("evaluate-form").addEventListener("submit", onEvaluate);
    $("job-cancel").addEventListener("click", onCancelJob);
    $("job-resume").addEventListener("click", onResumeJob);
    $("job-use-model").addEventListener("click", onUseModel);
    $("explain-button").addEventListener("click", onExplain);
    $("gallery-clear").addEventListener("click", () => {
      writeGallery([]);
      renderGallery();
      show("gallery-message", "ok", "Gallery cleared.");
    });
    renderGalleryCount();
    checkHealth();
    loadModels();
    reattachJob();
  }

  document.addEventListener("DOMContentLoaded", init);
})();
