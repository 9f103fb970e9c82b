/* vidmatte API docs: renders this server's /openapi.json (OpenAPI 3.1).
   Plain JavaScript, no dependencies: fetch the document, then build the
   page — overview, error shape, one section per tag, webhooks. */
(() => {
  "use strict";

  const $ = (selector, root = document) => root.querySelector(selector);
  const esc = (value) => String(value).replace(/[&<>"']/g, (c) => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  // The API's base URL as this browser reaches it (works behind a path prefix).
  const base = new URL(".", location.href).href.replace(/\/$/, "");
  let doc = null;

  /* ---------- small helpers ---------- */

  // Inline markdown: `code`, **bold**, [text](url); paragraphs on blank lines.
  function mdInline(text) {
    return esc(text)
      .replace(/`([^`]+)`/g, "<code>$1</code>")
      .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
      .replace(/\[([^\]]+)\]\((https?:[^)\s]+)\)/g, '<a href="$2">$1</a>');
  }
  function md(text) {
    if (!text) return "";
    return String(text).split(/\n{2,}/).map((p) => `<p>${mdInline(p)}</p>`).join("");
  }

  function lookup(ref) {
    if (!ref.startsWith("#/")) return {};
    return ref.slice(2).split("/").reduce((node, part) =>
      (node == null ? node : node[part.replace(/~1/g, "/").replace(/~0/g, "~")]), doc) || {};
  }
  // [resolved schema or object, name of the component it came from]
  function deref(node) {
    let name = null;
    let guard = 0;
    while (node && node.$ref && guard++ < 20) {
      name = node.$ref.split("/").pop();
      node = lookup(node.$ref);
    }
    return [node || {}, name];
  }

  // allOf parts folded into one object schema (enough for this API).
  function merged(schema) {
    if (!schema.allOf) return schema;
    const out = { ...schema, properties: { ...(schema.properties || {}) }, required: [...(schema.required || [])] };
    delete out.allOf;
    for (const part of schema.allOf) {
      const [p] = deref(part);
      const m = merged(p);
      Object.assign(out.properties, m.properties || {});
      out.required.push(...(m.required || []));
      if (!out.type && m.type) out.type = m.type;
    }
    return out;
  }

  function types(schema) {
    if (Array.isArray(schema.type)) return schema.type;
    if (schema.type) return [schema.type];
    if (schema.properties) return ["object"];
    return [];
  }

  function constraints(s) {
    const out = [];
    const range = (lo, hi, unit) => {
      if (lo != null && hi != null) out.push(lo === hi ? `exactly ${lo}${unit}` : `${lo}..${hi}${unit}`);
      else if (lo != null) out.push(`≥ ${lo}${unit}`);
      else if (hi != null) out.push(`≤ ${hi}${unit}`);
    };
    if (s.exclusiveMinimum != null) out.push(`> ${s.exclusiveMinimum}`);
    range(s.minimum, s.maximum, "");
    range(s.minLength, s.maxLength, " chars");
    range(s.minItems, s.maxItems, " items");
    if (s.maxProperties != null) out.push(`≤ ${s.maxProperties} keys`);
    if (s.default !== undefined) out.push(`default ${JSON.stringify(s.default)}`);
    return out.length ? ` <span class="d">(${esc(out.join(", "))})</span>` : "";
  }

  /* ---------- schemas as compact trees ---------- */

  function scalar(s) {
    if ("const" in s) return `<span class="v">${esc(JSON.stringify(s.const))}</span>`;
    if (Array.isArray(s.enum)) {
      return s.enum.filter((v) => v !== null)
        .map((v) => `<span class="v">${esc(JSON.stringify(v))}</span>`).join(" | ");
    }
    const named = types(s).filter((t) => t !== "null");
    const format = s.format ? `&lt;${esc(s.format)}&gt;` : "";
    return `<span class="t">${esc(named.join(" | ") || "any")}${format}</span>`;
  }

  function propertyLines(s, depth, seen) {
    const required = new Set(s.required || []);
    // Required fields first; the rest as the document lists them.
    const entries = Object.entries(s.properties || {});
    entries.sort(([a], [b]) => Number(required.has(b)) - Number(required.has(a)));
    return entries.map(([key, prop]) => {
      const [resolved] = deref(prop);
      const description = prop.description || resolved.description;
      return `<div><span class="k">${esc(key)}</span>${required.has(key) ? '<span class="req" title="always present / required">*</span>' : ""}: ${tree(prop, depth, seen)}${constraints(resolved)}${description ? ` <span class="d">— ${mdInline(description)}</span>` : ""}</div>`;
    }).join("");
  }

  function tree(node, depth = 0, seen = []) {
    const [raw, name] = deref(node);
    if (name && seen.includes(name)) return `<span class="ref">${esc(name)}</span>`;
    const now = name ? seen.concat(name) : seen;
    const s = merged(raw);
    const t = types(s);
    const orNull = t.includes("null") ? ' <span class="t">| null</span>' : "";
    const label = name ? `<span class="ref">${esc(name)}</span> ` : "";

    if (s.properties && Object.keys(s.properties).length) {
      const body = `{<div class="in">${propertyLines(s, depth + 1, now)}</div>}`;
      if (name && depth > 0) {
        return `<details${depth < 2 ? " open" : ""}><summary>${label}{…}${orNull}</summary>${body}</details>`;
      }
      return `${label}${body}${orNull}`;
    }
    if (t.includes("object") && (s.additionalProperties || s.propertyNames)) {
      const keys = s.propertyNames && s.propertyNames.enum
        ? s.propertyNames.enum.map((k) => `<span class="v">${esc(JSON.stringify(k))}</span>`).join(" | ")
        : '<span class="t">string</span>';
      const value = typeof s.additionalProperties === "object" ? tree(s.additionalProperties, depth + 1, now) : '<span class="t">any</span>';
      return `${label}{ ${keys}: ${value} }${orNull}`;
    }
    if (t.includes("array")) {
      return `${label}[ ${s.items ? tree(s.items, depth + 1, now) + constraints(deref(s.items)[0]) : '<span class="t">any</span>'} ]${orNull}`;
    }
    if (s.contentSchema) {
      return `${scalar(s)} <span class="d">containing ${esc(s.contentMediaType || "JSON")}:</span> ${tree(s.contentSchema, depth + 1, now)}`;
    }
    return `${label}${scalar(s)}${orNull}`;
  }

  const treeBlock = (schema) => `<div class="tree">${tree(schema)}</div>`;

  /* ---------- examples and curl ---------- */

  const SAMPLE_STRINGS = {
    client_id: "my-app", key_fingerprint: "3f2a9c1e7b4d", note: "created from the docs",
    video_url: "upload://vid_01J…", webhook_url: "https://example.com/hooks/vidmatte",
  };

  // `defaults`: also fill optional fields that have a default (a create
  // body); a start body's defaults would override the draft, so not there.
  function example(node, name = "", depth = 0, defaults = true) {
    const s = merged(deref(node)[0]);
    if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
    if (s.default !== undefined) return s.default;
    if ("const" in s) return s.const;
    if (Array.isArray(s.enum)) return s.enum.find((v) => v !== null);
    const t = types(s).filter((x) => x !== "null")[0];
    if (t === "object") {
      const out = {};
      const required = new Set(s.required || []);
      for (const [key, prop] of Object.entries(s.properties || {})) {
        const p = deref(prop)[0];
        if (required.has(key) || (defaults && depth === 0 && p.default !== undefined)) out[key] = example(prop, key, depth + 1);
      }
      return out;
    }
    if (t === "array") return Array.from({ length: s.minItems || 1 }, () => example(s.items || {}, name, depth + 1));
    if (t === "integer" || t === "number") return s.minimum != null ? s.minimum : (s.exclusiveMinimum != null ? s.exclusiveMinimum + 1 : 1);
    if (t === "boolean") return true;
    if (t === "string") return s.format === "date-time" ? "2026-01-01T00:00:00Z" : (SAMPLE_STRINGS[name] || name || "text");
    return null;
  }

  const shellQuote = (text) => `'${String(text).replace(/'/g, `'\\''`)}'`;

  function curl(path, method, op) {
    const sse = Object.values(op.responses || {}).some((r) => r.content && r.content["text/event-stream"]);
    if ((op.security || []).length === 0 && path.endsWith("/output")) {
      return 'curl -fL -o output.webm "$OUTPUT_URL"   # a job\'s output_url: signed, no key needed';
    }
    const parts = [`curl${sse ? " -N" : ""}${method !== "get" ? ` -X ${method.toUpperCase()}` : ""}`];
    let url = base + path.replace(/\{(\w+)\}/g, (_, p) => (p === "name" ? "app.css" : "$JOB_ID"));
    const query = (op.parameters || []).map((p) => deref(p)[0])
      .filter((p) => p.in === "query" && (p.required || (p.schema && p.schema.default !== undefined)))
      .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(example(p.schema || {}, p.name))}`);
    if (query.length) url += `?${query.join("&")}`;
    parts.push(`"${url}"`);
    const schemes = (op.security || []).flatMap((req) => Object.keys(req));
    if (schemes.includes("ApiKey")) parts.push('-H "X-Api-Key: $VIDMATTE_API_KEY"');
    if (schemes.includes("AdminToken")) parts.push('-H "X-Admin-Token: $VIDMATTE_ADMIN_TOKEN"');
    if (method === "post") parts.push('-H "Idempotency-Key: $(uuidgen)"');
    const content = (op.requestBody && op.requestBody.content) || {};
    if (content["multipart/form-data"]) {
      parts.push('-F "file=@clip.mp4"');
    } else if (content["application/json"]) {
      const body = example(content["application/json"].schema || {}, "", 0, Boolean(op.requestBody.required));
      if (op.requestBody.required || (body && Object.keys(body).length)) {
        parts.push('-H "Content-Type: application/json"');
        parts.push(`-d ${shellQuote(JSON.stringify(body))}`);
      }
    }
    return parts.join(" \\\n  ");
  }

  function codeBlock(text, label) {
    return `<div class="curl"><pre><code>${esc(text)}</code></pre><button type="button" class="copy" data-copy="${esc(text)}" aria-label="Copy ${esc(label)}">Copy</button></div>`;
  }

  /* ---------- operations ---------- */

  const authBadge = (op) => {
    const schemes = (op.security || doc.security || []).flatMap((req) => Object.keys(req));
    if (!schemes.length) return '<span class="auth public">no key</span>';
    if (schemes.includes("AdminToken")) return '<span class="auth admin">X-Admin-Token</span>';
    return '<span class="auth key">X-Api-Key</span>';
  };
  const opId = (path, method, op) => `op-${op.operationId || (method + path).replace(/[^A-Za-z0-9]+/g, "-")}`;
  const statusClass = (status) => `s${String(status)[0]}`;

  function parameters(op) {
    const params = (op.parameters || []).map((p) => deref(p)[0]);
    if (!params.length) return "";
    const rows = params.map((p) => `<tr><td style="white-space:nowrap"><code>${esc(p.name)}</code>${p.required ? '<span class="req" title="required">*</span>' : ""}</td><td>${esc(p.in)}</td><td class="tree" style="background:none;padding:6px 8px">${tree(p.schema || {})}${constraints(p.schema || {})}</td><td>${mdInline(p.description || "")}</td></tr>`).join("");
    return `<div class="d-label">Parameters</div><table class="params"><thead><tr><th>Name</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>${rows}</tbody></table>`;
  }

  function requestBody(op) {
    if (!op.requestBody) return "";
    const body = deref(op.requestBody)[0];
    return `<div class="d-label">Request body${body.required ? "" : " (optional)"}</div>` +
      Object.entries(body.content || {}).map(([type, media]) =>
        `<div class="d-chips"><span class="d-chip">${esc(type)}</span></div>${media.schema ? treeBlock(media.schema) : ""}`).join("");
  }

  function headerChips(headers) {
    return Object.entries(headers || {}).map(([name, h]) => {
      const header = deref(h)[0];
      const text = header.required ? `<b>${esc(name)}</b>` : esc(name);
      return `<span class="d-chip" title="${esc(header.description || "")}${header.required ? " (always sent)" : ""}">${text}</span>`;
    }).join("");
  }

  function responses(op) {
    const ok = [];
    const errors = [];
    for (const [status, r] of Object.entries(op.responses || {})) {
      if (r.$ref) {
        const resolved = deref(r)[0];
        errors.push(`<a class="d-chip" href="#errors" title="${esc(resolved.description || "")}"><b>${esc(status)}</b> ${esc(r.$ref.split("/").pop())}</a>`);
        continue;
      }
      const media = Object.entries(r.content || {}).map(([type, m]) => {
        const schema = m.schema ? deref(m.schema)[0] : null;
        const plain = !schema || (types(schema).join() === "string" && !schema.contentSchema && !m.schema.$ref);
        return `<div class="d-chips"><span class="d-chip">${esc(type)}</span></div>${plain ? "" : treeBlock(m.schema)}${examples(m, `${status} ${type}`)}`;
      }).join("");
      ok.push(`<div class="resp"><div class="resp-head"><span class="code ${statusClass(status)}">${esc(status)}</span><span>${mdInline(r.description || "")}</span></div>${media}<div class="d-chips" style="margin-top:6px"><span class="d">headers:</span>${headerChips(r.headers)}</div></div>`);
    }
    return `<div class="d-label">Responses</div>${ok.join("")}` +
      (errors.length ? `<div class="d-label">Errors (the <a href="#errors">Error</a> shape)</div><div class="d-chips">${errors.join("")}</div>` : "");
  }

  // A response's example(s) from the document: `example`, or `examples` by name.
  function examples(media, label) {
    const shown = [];
    if (media.example !== undefined) shown.push(["", media.example]);
    for (const [name, ex] of Object.entries(media.examples || {})) {
      const resolved = deref(ex)[0];
      if (resolved.value !== undefined) shown.push([resolved.summary || name, resolved.value]);
    }
    return shown.map(([title, value]) => {
      const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
      return `<div class="example-response" data-testid="example-response"><div class="d-label">Example response${title ? ` — ${esc(title)}` : ""}</div>${codeBlock(text, `example response ${label}`)}</div>`;
    }).join("");
  }

  function operation(path, method, op) {
    return `<article class="op" id="${esc(opId(path, method, op))}" data-search="${esc(`${method} ${path} ${op.summary || ""} ${(op.tags || []).join(" ")}`.toLowerCase())}">
      <h3><span class="m m-${esc(method)}">${esc(method)}</span><span class="path">${esc(path)}</span>${authBadge(op)}</h3>
      <p class="summary">${mdInline(op.summary || "")}</p>
      ${md(op.description)}
      ${parameters(op)}
      ${requestBody(op)}
      ${responses(op)}
      <div class="d-label">Example</div>
      ${codeBlock(curl(path, method, op), `curl for ${method.toUpperCase()} ${path}`)}
      ${tryIt(path, method, op)}
    </article>`;
  }

  /* ---------- try it ---------- */

  // The web app keeps the API key in this browser under this name (app.js STORE.key).
  const KEY_STORE = "vidmatte.apiKey";
  const storedKey = () => {
    try { return localStorage.getItem(KEY_STORE) || ""; } catch { return ""; }
  };
  const schemesOf = (op) => (op.security || doc.security || []).flatMap((req) => Object.keys(req));
  const NOT_TRIED = new Set(["/", "/docs", "/assets/{name}"]);

  // GET routes (except pages and the signed download) and creating a job.
  function tryable(path, method, op) {
    if (method === "post") return path === "/v1/jobs";
    if (method !== "get" || NOT_TRIED.has(path)) return false;
    return !(schemesOf(op).length === 0 && path.endsWith("/output"));
  }

  function keyNote() {
    const key = storedKey();
    if (key) return `Sends <code>X-Api-Key</code> …${esc(key.slice(-4))}, the key saved on <a href="./">the web app</a> in this browser.`;
    return `No API key in this browser yet: enter it in step 1 of <a href="./#key-card">the web app</a> (it is kept in this browser), then come back. Without it this request answers 401.`;
  }

  function tryIt(path, method, op) {
    if (!tryable(path, method, op)) return "";
    const id = `${opId(path, method, op)}-try`;
    const schemes = schemesOf(op);
    const fields = (op.parameters || []).map((p) => deref(p)[0])
      .filter((p) => p.in === "path" || p.in === "query")
      .map((p) => {
        const schema = deref(p.schema || {})[0];
        const hint = Array.isArray(schema.enum) ? schema.enum.filter((v) => v !== null).join(" | ")
          : schema.default !== undefined ? `default ${schema.default}` : p.in === "path" ? "required" : "optional";
        return `<label class="try-field"><span><code>${esc(p.name)}</code> <span class="d">${esc(p.in)}${p.required ? ", required" : ""}</span></span>
          <input type="text" data-param="${esc(p.name)}" data-in="${esc(p.in)}"${p.required ? " required" : ""} placeholder="${esc(hint)}" autocomplete="off" spellcheck="false"></label>`;
      }).join("");
    const admin = schemes.includes("AdminToken")
      ? `<label class="try-field"><span><code>X-Admin-Token</code> <span class="d">not stored</span></span><input type="password" data-admin autocomplete="off"></label>` : "";
    let body = "";
    const content = (op.requestBody && op.requestBody.content) || {};
    if (content["application/json"]) {
      const sample = example(content["application/json"].schema || {}, "", 0, Boolean(op.requestBody.required));
      body = `<label class="try-field try-body"><span>Request body <span class="d">JSON</span></span>
        <textarea data-body rows="${Math.min(14, JSON.stringify(sample, null, 2).split("\n").length + 1)}" spellcheck="false">${esc(JSON.stringify(sample, null, 2))}</textarea></label>`;
    }
    const needsKey = schemes.includes("ApiKey");
    return `<div class="try" data-testid="try" data-method="${esc(method)}" data-path="${esc(path)}">
      <button type="button" class="btn-try" aria-expanded="false" aria-controls="${esc(id)}" data-testid="try-it">Try it</button>
      <div class="try-panel" id="${esc(id)}" hidden>
        ${needsKey ? `<p class="try-key" data-testid="try-key"></p>` : ""}
        ${fields || admin || body ? `<div class="try-fields">${fields}${admin}${body}</div>` : ""}
        <button type="button" class="btn-send" data-testid="try-send">Send ${esc(method.toUpperCase())} ${esc(path)}</button>
        <div class="try-result" data-testid="try-result" aria-live="polite" hidden></div>
      </div>
    </div>`;
  }

  function openTry(button) {
    const box = button.closest(".try");
    const panel = box.querySelector(".try-panel");
    const open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Hide" : "Try it";
    if (!open) return;
    const note = box.querySelector(".try-key");
    if (note) note.innerHTML = keyNote();
    // Nothing to fill in: the request goes at once.
    const first = box.querySelector("input[required], input, textarea");
    if (!box.querySelector("input[required], [data-admin], textarea")) send(box);
    else if (first) first.focus();
  }

  async function send(box) {
    const method = box.dataset.method;
    const path = box.dataset.path;
    const out = box.querySelector(".try-result");
    const button = box.querySelector(".btn-send");
    const missing = [...box.querySelectorAll("input[required]")].find((i) => !i.value.trim());
    out.hidden = false;
    if (missing) {
      out.innerHTML = `<p class="try-problem">Fill in <code>${esc(missing.dataset.param)}</code> first.</p>`;
      missing.focus();
      return;
    }
    let url = path.replace(/\{(\w+)\}/g, (_, name) => {
      const input = box.querySelector(`input[data-in="path"][data-param="${name}"]`);
      return encodeURIComponent(input ? input.value.trim() : "");
    });
    const query = [...box.querySelectorAll('input[data-in="query"]')].filter((i) => i.value.trim())
      .map((i) => `${encodeURIComponent(i.dataset.param)}=${encodeURIComponent(i.value.trim())}`);
    if (query.length) url += `?${query.join("&")}`;
    const headers = { accept: "application/json" };
    const key = storedKey();
    const op = (doc.paths[path] || {})[method] || {};
    if (schemesOf(op).includes("ApiKey") && key) headers["X-Api-Key"] = key;
    const admin = box.querySelector("[data-admin]");
    if (admin && admin.value) headers["X-Admin-Token"] = admin.value;
    let body;
    const area = box.querySelector("[data-body]");
    if (area) {
      try { body = JSON.stringify(JSON.parse(area.value)); } catch (error) {
        out.innerHTML = `<p class="try-problem">The body isn't valid JSON: ${esc(error.message)}</p>`;
        area.focus();
        return;
      }
      headers["content-type"] = "application/json";
    }
    if (method === "post") headers["Idempotency-Key"] = `docs-${crypto.randomUUID ? crypto.randomUUID() : Date.now()}`;
    button.disabled = true;
    out.innerHTML = '<p class="d">Sending…</p>';
    const started = performance.now();
    const controller = new AbortController();
    let text = "";
    let response;
    try {
      response = await fetch(base + url, { method: method.toUpperCase(), headers, body, cache: "no-store", signal: controller.signal });
      const type = response.headers.get("content-type") || "";
      if (type.includes("text/event-stream")) {
        // An event stream runs until the job ends: show its first few seconds.
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        const stop = setTimeout(() => controller.abort(), 4000);
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            text += decoder.decode(value, { stream: true });
            if (text.length > 16000) break;
          }
        } catch { /* stopped after 4 s */ }
        clearTimeout(stop);
        controller.abort();
        text += "\n(the first seconds of the stream)";
      } else if (/json/.test(type)) {
        const raw = await response.text();
        try { text = JSON.stringify(JSON.parse(raw), null, 2); } catch { text = raw; }
      } else if (/^text\/|xml|javascript/.test(type) || !type) {
        text = await response.text();
        if (text.length > 20000) text = `${text.slice(0, 20000)}\n… (${text.length} characters in all)`;
      } else {
        const blob = await response.blob();
        text = `(${blob.size} bytes of ${type})`;
      }
    } catch (error) {
      out.innerHTML = `<p class="try-problem">The request did not get an answer: ${esc(error.message)}</p>`;
      button.disabled = false;
      return;
    }
    const ms = Math.round(performance.now() - started);
    const headerLines = [...response.headers].map(([name, value]) => `${name}: ${value}`).join("\n");
    out.dataset.status = String(response.status);
    out.innerHTML = `<div class="resp-head"><span class="code ${statusClass(response.status)}" data-testid="try-status">${response.status}</span>
        <span>${esc(response.statusText || "")} · ${ms} ms</span></div>
      <pre class="try-body"><code data-testid="try-body">${esc(text)}</code></pre>
      <details class="try-headers"><summary>Response headers</summary><pre><code>${esc(headerLines)}</code></pre></details>`;
    button.disabled = false;
  }

  /* ---------- page sections ---------- */

  function overview() {
    const info = doc.info || {};
    const schemes = Object.entries((doc.components || {}).securitySchemes || {}).map(([name, s]) =>
      `<li><code>${esc(s.name || name)}</code> — ${mdInline(s.description || "")}</li>`).join("");
    const headers = Object.entries((doc.components || {}).headers || {}).map(([name, h]) =>
      `<li><code>${esc(name)}</code> — ${mdInline(h.description || "")}</li>`).join("");
    return `<section id="overview"><h1>${esc(info.title || "API")} <span class="d" style="font-size:1rem">v${esc(info.version || "")}</span></h1>
      ${info.summary ? `<p class="summary">${mdInline(info.summary)}</p>` : ""}
      ${md(info.description)}
      <div class="d-label">Base URL</div><p><code>${esc(base)}</code></p>
      <div class="d-label">Authentication</div><ul>${schemes}</ul>
      <div class="d-label">Headers</div><ul>${headers}</ul></section>`;
  }

  function errorsSection() {
    const components = (doc.components || {}).responses || {};
    const statusOf = Object.fromEntries(Object.entries(components)
      .filter(([, r]) => r["x-status"] != null).map(([name, r]) => [name, String(r["x-status"])]));
    for (const item of Object.values(doc.paths || {})) {
      for (const op of Object.values(item)) {
        for (const [status, r] of Object.entries(op.responses || {})) {
          const name = r.$ref && r.$ref.split("/").pop();
          if (name && !statusOf[name]) statusOf[name] = status;
        }
      }
    }
    const rows = Object.entries(components)
      .sort(([a], [b]) => String(statusOf[a] || a).localeCompare(String(statusOf[b] || b)))
      .map(([name, r]) => `<tr><td><span class="code ${statusClass(statusOf[name] || "5")}">${esc(statusOf[name] || "")}</span></td><td>${esc(name)}</td><td>${mdInline(r.description || "")}</td></tr>`).join("");
    const sample = { success: false, error: { code: "invalid_request", message: "bg_color must be 3 integers 0..255", param: "bg_color", request_id: "req_01J…" } };
    return `<section id="errors"><h2>Errors</h2>
      <p>Every failure has this shape; <code>error.code</code> is stable, <code>error.message</code> is for people, <code>param</code> names the field at fault, and <code>request_id</code> equals the <code>X-Request-Id</code> header (quote it when you report a problem).</p>
      ${treeBlock({ $ref: "#/components/schemas/Error" })}
      <div class="d-label">Example</div>${codeBlock(JSON.stringify(sample, null, 2), "error example")}
      <div class="d-label">Statuses</div>
      <table class="params"><thead><tr><th>HTTP</th><th>Name</th><th>Codes and when</th></tr></thead><tbody>${rows}</tbody></table></section>`;
  }

  const VERIFY_NODE = `import crypto from "node:crypto";

// raw: the request body exactly as received (a Buffer), before JSON.parse.
export function verifyVidmatte(raw, headers, webhookSecret) {
  const timestamp = headers["x-webhook-timestamp"] ?? "";
  const expected = "sha256=" + crypto.createHmac("sha256", webhookSecret)
    .update(timestamp + ".").update(raw).digest("hex");
  const given = String(headers["x-webhook-signature"] ?? "");
  const valid = given.length === expected.length &&
    crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  const fresh = Math.abs(Date.now() - Date.parse(timestamp)) < 5 * 60 * 1000;
  return valid && fresh; // then dedupe on headers["x-webhook-delivery-id"]
}`;

  const VERIFY_PYTHON = `import hashlib, hmac
from datetime import datetime, timezone

def verify_vidmatte(raw: bytes, headers, webhook_secret: str) -> bool:
    """raw: the request body exactly as received, before json.loads."""
    timestamp = headers.get("X-Webhook-Timestamp", "")
    expected = "sha256=" + hmac.new(webhook_secret.encode(),
                                    timestamp.encode() + b"." + raw,
                                    hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, headers.get("X-Webhook-Signature", "")):
        return False
    sent = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    # then dedupe on headers["X-Webhook-Delivery-Id"]
    return abs((datetime.now(timezone.utc) - sent).total_seconds()) < 300`;

  function webhooksSection() {
    const position = ([, item]) => ((item.post || {})["x-order"] == null ? 1e9 : item.post["x-order"]);
    const hooks = Object.entries(doc.webhooks || {}).sort((a, b) => position(a) - position(b));
    if (!hooks.length) return "";
    const first = hooks[0][1].post || {};
    const events = hooks.map(([name, item]) =>
      `<tr><td><code>${esc(name)}</code></td><td>${mdInline(((item.post || {}).summary || "").replace(/^[^:]*:\s*/, ""))}</td></tr>`).join("");
    const headers = (first.parameters || []).map((p) =>
      `<tr><td><code>${esc(p.name)}</code></td><td>${mdInline(p.description || "")}</td></tr>`).join("");
    const body = (((first.requestBody || {}).content || {})["application/json"] || {}).schema;
    return `<section id="webhooks"><h2>Webhooks</h2>
      <p>Give a job a <code>webhook_url</code> and vidmatte POSTs these events to it, signed with your key's <code>webhook_secret</code> (shown when the key is created).</p>
      ${md(first.description)}
      <div class="d-label">Events</div><table class="params"><tbody>${events}</tbody></table>
      <div class="d-label">Headers</div><table class="params"><tbody>${headers}</tbody></table>
      <div class="d-label">Body</div>${body ? treeBlock(body) : ""}
      <div class="d-label">Verifying the signature</div>
      <div class="tabs" role="tablist">
        <button type="button" role="tab" aria-selected="true" data-tab="verify-node">Node.js</button>
        <button type="button" role="tab" aria-selected="false" data-tab="verify-python">Python</button>
      </div>
      <div id="verify-node">${codeBlock(VERIFY_NODE, "Node.js verification")}</div>
      <div id="verify-python" hidden>${codeBlock(VERIFY_PYTHON, "Python verification")}</div></section>`;
  }

  function groups() {
    const byTag = new Map(((doc.tags || []).map((t) => [t.name, { tag: t, ops: [] }])));
    for (const [path, item] of Object.entries(doc.paths || {})) {
      for (const [method, op] of Object.entries(item)) {
        if (!["get", "post", "put", "patch", "delete"].includes(method)) continue;
        const tag = (op.tags || ["Other"])[0];
        if (!byTag.has(tag)) byTag.set(tag, { tag: { name: tag }, ops: [] });
        byTag.get(tag).ops.push([path, method, op]);
      }
    }
    const order = ([, , op]) => (op["x-order"] == null ? 1e9 : op["x-order"]);
    for (const group of byTag.values()) group.ops.sort((a, b) => order(a) - order(b));
    return [...byTag.values()].filter((g) => g.ops.length);
  }

  function render() {
    const all = groups();
    const sections = all.map(({ tag, ops }) =>
      `<section id="tag-${esc(tag.name)}" class="tag-group"><h2>${esc(tag.name)}</h2>${md(tag.description)}${ops.map(([p, m, o]) => operation(p, m, o)).join("")}</section>`);
    $("#content").innerHTML = overview() + errorsSection() + sections.join("") + webhooksSection();

    const toc = [`<h4>Guide</h4><a href="#overview">Overview</a><a href="#errors">Errors</a>${doc.webhooks ? '<a href="#webhooks">Webhooks</a>' : ""}`];
    for (const { tag, ops } of all) {
      toc.push(`<h4 data-tag="${esc(tag.name)}">${esc(tag.name)}</h4>` + ops.map(([p, m, o]) =>
        `<a href="#${esc(opId(p, m, o))}" data-for="${esc(opId(p, m, o))}"><span class="m m-${esc(m)}">${esc(m)}</span><span class="p">${esc(p)}</span></a>`).join(""));
    }
    $("#toc-list").innerHTML = toc.join("");
    if (location.hash) {
      const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (target) target.scrollIntoView();
    }
  }

  /* ---------- interaction ---------- */

  function filter(text) {
    const needle = text.trim().toLowerCase();
    document.querySelectorAll("article.op").forEach((article) => {
      const show = !needle || article.dataset.search.includes(needle);
      article.hidden = !show;
      const link = document.querySelector(`#toc-list a[data-for="${article.id}"]`);
      if (link) link.hidden = !show;
    });
    document.querySelectorAll("section.tag-group").forEach((section) => {
      section.hidden = !section.querySelector("article.op:not([hidden])");
    });
  }

  async function copy(button) {
    const text = button.dataset.copy;
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy"; }, 1500);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.classList.contains("copy")) copy(button);
    if (button.classList.contains("btn-try")) openTry(button);
    if (button.classList.contains("btn-send")) send(button.closest(".try"));
    if (button.dataset.tab) {
      button.parentElement.querySelectorAll("button").forEach((b) => {
        const on = b === button;
        b.setAttribute("aria-selected", String(on));
        document.getElementById(b.dataset.tab).hidden = !on;
      });
    }
  });
  $("#filter").addEventListener("input", (event) => filter(event.target.value));

  fetch("openapi.json", { headers: { accept: "application/json" } })
    .then((response) => {
      if (!response.ok) throw new Error(`GET openapi.json answered HTTP ${response.status}`);
      return response.json();
    })
    .then((document_) => { doc = document_; render(); })
    .catch((error) => {
      const status = $("#status");
      if (status) {
        status.classList.add("is-bad");
        status.textContent = `Could not load the API description: ${error.message}`;
      }
    });
})();
