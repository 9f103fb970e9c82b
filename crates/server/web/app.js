/* vidmatte web page: upload a video, remove its background (or put another
 * behind it, or place it on a canvas), preview, download.
 * Plain browser JavaScript, no framework, no build step. Talks to the same
 * server's /v1 API with the key kept in localStorage. */
(function () {
  'use strict';

  var $ = function (id) { return document.getElementById(id); };
  var STORE = { key: 'vidmatte.apiKey', opts: 'vidmatte.options', job: 'vidmatte.currentJob', thumbs: 'vidmatte.thumbs' };
  var TERMINAL = { completed: true, failed: true, canceled: true };
  var MODEL_INFO = {
    original: 'The general default: salient objects (ISNet) plus every person the detector sees (RobustVideoMatting).',
    light: 'U²-Netp, frame by frame: the smallest weights (4.5 MB), any salient subject. Not faster than Human: for people, Human is quicker and steadier.',
    human: 'RobustVideoMatting — made for people, steady from frame to frame (hair, hands).',
    pro: 'Keeps what you name: people, any of 80 object kinds (car, dog, bus, cup …), colours, left/right/largest.'
  };
  var FORMAT_INFO = {
    webm: 'VP9 with transparency. Plays in Chrome, Edge and Firefox; good for the web.',
    mov: 'ProRes 4444 with alpha, for video editors (Premiere, Final Cut, Resolve). Browsers can’t play it.',
    mp4: 'H.264 — plays everywhere, but has no transparency, so it needs a background colour.',
    gif: 'Animated GIF: transparency is on/off per pixel (no soft edges), no sound.',
    webp: 'Animated WebP with full transparency, no sound.',
    png_sequence: 'A zip with one transparent PNG per frame.'
  };
  var FORMAT_NAME = { webm: 'WebM', mov: 'MOV', mp4: 'MP4', gif: 'GIF', webp: 'WebP', png_sequence: 'PNG zip' };
  var FORMAT_EXT = { webm: 'webm', mov: 'mov', mp4: 'mp4', gif: 'gif', webp: 'webp', png_sequence: 'zip' };
  var MODEL_NAME = { original: 'Original', light: 'Light', human: 'Human', pro: 'Pro' };
  var STAGE_TEXT = {
    draft: 'Draft — not started yet',
    queued: 'Waiting in the queue…',
    fetching: 'Fetching the video…',
    probing: 'Reading the video…',
    segmenting: 'Removing the background…',
    encoding: 'Encoding the result…',
    storing: 'Saving the result…',
    done: 'Done'
  };
  var STATUS_TEXT = { created: 'Draft', processing: 'Processing', completed: 'Done', failed: 'Failed', canceled: 'Canceled' };
  var PREVIEW_SECONDS = 3;
  var NAMED_COLORS = { green: [0, 255, 0], white: [255, 255, 255], black: [0, 0, 0], blue: [0, 0, 255] };
  // Where each anchor puts the subject: [column, row], 0 = left/top, 1 = middle, 2 = right/bottom.
  var ANCHORS = {
    'top-left': [0, 0], top: [1, 0], 'top-right': [2, 0],
    left: [0, 1], center: [1, 1], right: [2, 1],
    'bottom-left': [0, 2], 'bottom-center': [1, 2], 'bottom-right': [2, 2]
  };
  // Formats stored as 4:2:0, whose canvas the server rounds up to even sizes.
  var EVEN_FORMATS = { webm: true, mp4: true, webp: true };
  var SCALE_MIN = 0.05, SCALE_MAX = 10;

  var state = {
    key: '',
    keyOk: false,
    unlimited: false,
    remaining: null,
    pricing: null,
    pendingFile: null,
    upload: null,        // {file, xhr, promise, result, error, duration}
    video: null,         // {width, height, thumb, fromServer} of the chosen video, for the placement drawing
    bgImage: null,       // {file, url, xhr, promise, result, error, width, height, waiting}
    inputs: {},          // video_url -> object URL of the local file (this session)
    job: null,
    follow: null,        // {id, controller, timer}
    eta: null,
    jobs: [],
    jobsTimer: null,
    previewBg: 'checker',
    models: null,        // model -> {measured_fps, jobs_measured, description} from GET /v1/models; null: not known
    thumbs: {},          // job id -> data: URL of a small frame, 'none' when there is none, 'pending' while grabbed
    thumbQueue: [],
    thumbBusy: 0,
    compare: null,       // {jobId, input, result, zoom, x, y, playing} of the before/after view
    view: 'compare'      // 'compare' or 'side', the result's view once a job finished
  };

  // ---------------------------------------------------------------- storage
  function load(name, fallback) {
    try { var v = localStorage.getItem(name); return v === null ? fallback : v; } catch (e) { return fallback; }
  }
  function save(name, value) {
    try { if (value === null || value === undefined) localStorage.removeItem(name); else localStorage.setItem(name, value); } catch (e) { /* private mode */ }
  }

  // ---------------------------------------------------------------- errors
  function ApiError(status, code, message, extra) {
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.message = message || '';
    extra = extra || {};
    this.param = extra.param || null;
    this.requestId = extra.requestId || null;
    this.retryAfter = extra.retryAfter || null;
  }
  ApiError.prototype = Object.create(Error.prototype);

  function errorFrom(status, data, headers) {
    var e = (data && data.error && typeof data.error === 'object') ? data.error : {};
    var retry = headers && headers.get ? headers.get('Retry-After') : null;
    var rid = e.request_id || (data && data.request_id) || (headers && headers.get ? headers.get('X-Request-Id') : null);
    var code = e.code || (status === 401 ? 'invalid_api_key' : status === 413 ? 'payload_too_large' : status === 429 ? 'rate_limited' : status >= 500 ? 'internal_error' : 'http_' + status);
    return new ApiError(status, code, e.message || (typeof (data && data.error) === 'string' ? data.error : ''), {
      param: e.param, requestId: rid, retryAfter: retry ? parseInt(retry, 10) : null
    });
  }

  function sentence(text) {
    if (!text) return '';
    text = String(text).trim();
    text = text.charAt(0).toUpperCase() + text.slice(1);
    return /[.!?…]$/.test(text) ? text : text + '.';
  }

  function seconds(n) { return n === 1 ? '1 second' : n + ' seconds'; }

  /** {title, detail} in words a person understands, for an API or job error. */
  function friendly(err) {
    var code = err.code || '';
    var msg = sentence(err.message);
    var wait = err.retryAfter ? 'Try again in ' + seconds(err.retryAfter) + '.' : 'Try again in a moment.';
    switch (code) {
      case 'network':
        return { title: 'Can’t reach the vidmatte server.', detail: 'Check that it is running and your connection works, then try again.' };
      case 'missing_api_key':
        return { title: 'Enter your API key first.', detail: 'Paste it in step 1 at the top of the page.' };
      case 'invalid_api_key':
      case 'http_401':
        return { title: 'That API key was not accepted.', detail: 'Check that you pasted all of it (it starts with vm_live_), or ask whoever runs this server whether it was disabled.' };
      case 'insufficient_credits':
        return { title: 'Not enough credits for this video.', detail: (msg ? msg + ' ' : '') + 'Try a shorter clip or a cheaper model, or ask the operator to add credits.' };
      case 'payload_too_large':
        return { title: 'That file is too big for this server.', detail: msg || 'Trim or compress the video and try again.' };
      case 'unsupported_media_type':
        return { title: 'That file isn’t a video this server can read.', detail: 'Try an MP4, MOV, WebM or MKV file.' + (msg ? ' (' + msg.replace(/\.$/, '') + ')' : '') };
      case 'unprocessable_video':
        return { title: 'This video is outside the server’s limits.', detail: msg || 'It may be too long, too large or have an unusual frame rate.' };
      case 'rate_limited':
        return { title: 'Too many requests at once.', detail: wait };
      case 'unavailable':
        return { title: 'The server is busy or restarting.', detail: wait };
      case 'invalid_request':
        return { title: 'Those settings don’t work together.', detail: msg };
      case 'not_found':
        return { title: 'That job or upload can’t be found.', detail: 'It may have expired or belong to another key. Upload the video again.' };
      case 'invalid_state':
        return { title: 'That can’t be done right now.', detail: msg };
      case 'forbidden':
        return { title: 'This download link has expired.', detail: 'Open the job again from the list below for a fresh link.' };
      case 'idempotency_conflict':
      case 'idempotency_in_progress':
        return { title: 'That request is already being handled.', detail: 'Wait a moment and refresh the job list.' };
      case 'internal_error':
        return { title: 'Something went wrong on the server.', detail: 'Try again. If it keeps happening, give the operator the reference below.' };
      case 'processing_failed':
        return { title: 'Processing failed.', detail: msg || 'The video could not be processed.' };
      case 'timeout':
        return { title: 'Processing took too long and was stopped.', detail: 'Try a shorter clip or a faster model (Light).' };
      case 'source_unreachable':
        return { title: 'The video could not be fetched.', detail: msg };
      case 'canceled':
        return { title: 'The job was canceled.', detail: 'No credits were charged.' };
      default:
        if (err.status >= 500) return { title: 'Something went wrong on the server.', detail: msg || 'Try again in a moment.' };
        return { title: msg || 'Something went wrong.', detail: '' };
    }
  }

  /** Shows a dismissable message at the top of the page. */
  function showAlert(err, opts) {
    opts = opts || {};
    var f = err && err.title !== undefined && !(err instanceof Error) ? err : friendly(err);
    var box = $('errors');
    // One copy of the same message at a time.
    Array.prototype.forEach.call(box.querySelectorAll('.alert'), function (el) {
      if (el.dataset.title === f.title) el.remove();
    });
    while (box.children.length >= 3) box.firstElementChild.remove();
    var el = document.createElement('div');
    el.className = 'alert' + (opts.info ? ' info' : '');
    el.dataset.title = f.title;
    el.dataset.code = (err && err.code) || '';
    el.innerHTML = '<span class="alert-icon" aria-hidden="true">' + (opts.info ? 'i' : '!') + '</span>' +
      '<div class="alert-body"><div class="alert-title"></div><div class="alert-detail"></div></div>' +
      '<button type="button" class="alert-close" aria-label="Dismiss">×</button>';
    el.querySelector('.alert-title').textContent = f.title;
    if (f.detail) el.querySelector('.alert-detail').textContent = f.detail;
    else el.querySelector('.alert-detail').remove();
    if (err && err.requestId) {
      var ref = document.createElement('div');
      ref.className = 'alert-ref';
      ref.textContent = 'Reference: ' + err.requestId;
      el.querySelector('.alert-body').appendChild(ref);
    }
    el.querySelector('.alert-close').addEventListener('click', function () { el.remove(); });
    box.appendChild(el);
    if (opts.info) setTimeout(function () { el.remove(); }, 6000);
    if (box.getBoundingClientRect().top < headerBottom()) box.scrollIntoView({ behavior: scrollBehavior(), block: 'start' });
    return el;
  }
  /** Where the sticky header ends, in viewport pixels. */
  function headerBottom() {
    var bar = document.querySelector('.topbar');
    return bar ? bar.getBoundingClientRect().bottom : 0;
  }
  /** The header's height into --header-h, which the cards' scroll-margin-top uses. */
  function measureHeader() {
    var bar = document.querySelector('.topbar');
    if (bar) document.documentElement.style.setProperty('--header-h', Math.ceil(bar.getBoundingClientRect().height) + 'px');
    fitResultCard();
  }
  /** The result card sticks beside the options only while all of it fits in the window. */
  function fitResultCard() {
    var card = document.querySelector('.result-card');
    var bar = document.querySelector('.topbar');
    if (!card || !bar) return;
    card.classList.toggle('unstuck', card.offsetHeight > window.innerHeight - bar.offsetHeight - 24);
  }
  function scrollBehavior() {
    return window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth';
  }
  /** Brings the result card to the top of the window, just under the header. */
  function scrollToResult() {
    measureHeader();
    var card = $('result-title').closest('section') || $('result-title');
    card.scrollIntoView({ behavior: scrollBehavior(), block: 'start' });
  }
  function clearAlerts(code) {
    Array.prototype.forEach.call($('errors').querySelectorAll('.alert'), function (el) {
      if (!code || el.dataset.code === code) el.remove();
    });
  }

  // ---------------------------------------------------------------- API
  function api(path, opts) {
    opts = opts || {};
    var headers = { 'Accept': 'application/json' };
    if (state.key) headers['X-Api-Key'] = state.key;
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
    return fetch(path, {
      method: opts.method || 'GET',
      headers: headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
      cache: 'no-store'
    }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!res.ok) throw errorFrom(res.status, data, res.headers);
        return data;
      });
    }, function (e) {
      if (e && e.name === 'AbortError') throw e;
      throw new ApiError(0, 'network', String(e && e.message || e));
    });
  }

  function sleep(ms, signal) {
    return new Promise(function (resolve) {
      var t = setTimeout(resolve, ms);
      if (signal) signal.addEventListener('abort', function () { clearTimeout(t); resolve(); }, { once: true });
    });
  }

  // ---------------------------------------------------------------- formatting
  function bytes(n) {
    if (n == null) return '';
    if (n < 1024) return n + ' B';
    var units = ['KB', 'MB', 'GB'], i = -1;
    do { n /= 1024; i++; } while (n >= 1024 && i < units.length - 1);
    return (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)) + ' ' + units[i];
  }
  function duration(s) {
    if (s == null || isNaN(s)) return '';
    if (s < 60) return (Math.round(s * 10) / 10) + ' s';
    var m = Math.floor(s / 60), r = Math.round(s - m * 60);
    return m + ' min ' + (r < 10 ? '0' : '') + r + ' s';
  }
  function countdown(s) {
    s = Math.max(1, Math.round(s));
    if (s < 60) return 'about ' + s + ' s left';
    return 'about ' + Math.round(s / 60) + ' min left';
  }
  var rtf = (window.Intl && Intl.RelativeTimeFormat) ? new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }) : null;
  function ago(iso) {
    var t = Date.parse(iso);
    if (isNaN(t)) return '';
    var d = (t - Date.now()) / 1000, a = Math.abs(d);
    if (!rtf) return new Date(t).toLocaleString();
    if (a < 45) return rtf.format(Math.round(d), 'second');
    if (a < 2700) return rtf.format(Math.round(d / 60), 'minute');
    if (a < 79200) return rtf.format(Math.round(d / 3600), 'hour');
    if (a < 7 * 86400) return rtf.format(Math.round(d / 86400), 'day');
    return new Date(t).toLocaleDateString();
  }
  function number(n) { try { return Number(n).toLocaleString(); } catch (e) { return String(n); } }
  function hex2rgb(hex) {
    var m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex || '');
    return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : [0, 0, 0];
  }
  function rgb2hex(c) {
    return '#' + c.map(function (v) { return ('0' + Math.max(0, Math.min(255, v | 0)).toString(16)).slice(-2); }).join('');
  }
  function colorLabel(c) {
    for (var name in NAMED_COLORS) {
      var n = NAMED_COLORS[name];
      if (n[0] === c[0] && n[1] === c[1] && n[2] === c[2]) return name;
    }
    return rgb2hex(c);
  }
  function bgLabel(job) {
    var bg = job.background;
    if (bg && typeof bg === 'object' && bg.type) {
      if (bg.type === 'image') return 'image background';
      if (bg.type === 'video') return 'video background';
      if (bg.type === 'blur') return 'blurred background' + (bg.radius ? ' (' + bg.radius + ')' : '');
      if ((bg.type === 'color' || bg.type === 'custom') && Array.isArray(bg.color)) return colorLabel(bg.color);
      if (typeof bg.color === 'string') return bg.color;
      return bg.type;
    }
    if (job.bg_type === 'custom' && Array.isArray(job.bg_color)) return rgb2hex(job.bg_color);
    return job.bg_type || 'transparent';
  }
  /** Words for a job that only processed its first seconds, or ''. */
  function previewLabel(job) {
    if (!job || !job.preview) return '';
    return job.preview_duration ? 'preview of the first ' + duration(job.preview_duration) : 'preview';
  }
  /** A signed output URL on this page's own origin when it points at this server. */
  function localUrl(url) {
    if (!url) return url;
    try {
      var u = new URL(url, location.href);
      if (u.origin !== location.origin && /\/v1\/jobs\/[^/]+\/output$/.test(u.pathname)) {
        // Same server seen under another name (127.0.0.1 vs localhost): keep the preview same-origin.
        var here = new URL(u.pathname.replace(/^.*(\/v1\/jobs\/)/, '$1') + u.search, location.href);
        return here.href;
      }
      return u.href;
    } catch (e) { return url; }
  }

  // ---------------------------------------------------------------- options
  function radio(name) {
    var el = document.querySelector('input[name="' + name + '"]:checked');
    return el ? el.value : null;
  }
  function setRadio(name, value) {
    var el = document.querySelector('input[name="' + name + '"][value="' + value + '"]');
    if (el && !el.disabled) el.checked = true;
  }
  function blurRadius() {
    var r = parseInt($('blur-input').value, 10);
    return isFinite(r) ? Math.max(1, Math.min(100, r)) : 20;
  }
  /** The `background` object of the create body (the image's upload URL is
   *  added once its upload has answered). */
  function background() {
    var bg = radio('bg');
    if (bg === 'custom') return { type: 'color', color: $('color-input').value.toLowerCase() };
    if (bg === 'image') return { type: 'image', image_url: null, fit: radio('fit') || 'cover' };
    if (bg === 'blur') return { type: 'blur', radius: blurRadius() };
    return { type: bg || 'transparent' };
  }
  function options() {
    var o = { model: radio('model'), output_format: radio('format'), background: background() };
    if (o.model === 'pro') {
      var p = $('prompt-input').value.trim();
      if (p) o.text_prompt = p;
    }
    var c = composition();
    if (c) o.composition = c;
    return o;
  }
  function saveOptions() {
    save(STORE.opts, JSON.stringify({
      model: radio('model'), format: radio('format'), bg: radio('bg'),
      color: $('color-input').value, prompt: $('prompt-input').value,
      fit: radio('fit'), blur: $('blur-input').value,
      comp: {
        on: $('comp-on').checked, canvas: $('canvas-on').checked,
        w: $('canvas-w').value, h: $('canvas-h').value, anchor: radio('anchor'),
        scale: $('scale-input').value, x: $('offset-x').value, y: $('offset-y').value
      }
    }));
  }
  function restoreOptions() {
    var o;
    try { o = JSON.parse(load(STORE.opts, 'null')); } catch (e) { o = null; }
    if (!o) return;
    if (o.model) setRadio('model', o.model);
    if (o.format) setRadio('format', o.format);
    if (o.bg) setRadio('bg', o.bg);
    if (o.color && /^#[0-9a-f]{6}$/i.test(o.color)) $('color-input').value = o.color;
    if (typeof o.prompt === 'string') $('prompt-input').value = o.prompt;
    if (o.fit) setRadio('fit', o.fit);
    if (o.blur && /^\d+$/.test(o.blur)) $('blur-input').value = String(Math.max(1, Math.min(100, +o.blur)));
    var c = o.comp;
    if (c && typeof c === 'object') {
      $('comp-on').checked = !!c.on;
      $('canvas-on').checked = !!c.canvas;
      var nums = { 'canvas-w': c.w, 'canvas-h': c.h, 'scale-input': c.scale, 'offset-x': c.x, 'offset-y': c.y };
      Object.keys(nums).forEach(function (id) {
        if (typeof nums[id] === 'string' && /^-?\d*\.?\d*$/.test(nums[id])) $(id).value = nums[id];
      });
      if (c.anchor && ANCHORS[c.anchor]) setRadio('anchor', c.anchor);
      syncScaleRange();
    }
  }
  // ---------------------------------------------------------------- composition
  function numberOf(id) {
    var v = $(id).value.trim();
    return v === '' ? NaN : Number(v);
  }
  function scaleValue() { return numberOf('scale-input'); }
  /** Scale slider position (log scale, 0 = 1×) from the number box. */
  function syncScaleRange() {
    var v = scaleValue();
    if (isFinite(v) && v > 0) $('scale-range').value = String(Math.round(Math.log(Math.min(SCALE_MAX, Math.max(SCALE_MIN, v))) / Math.LN10 * 1000));
  }
  function scaleFromRange() {
    var v = Math.pow(10, Number($('scale-range').value) / 1000);
    v = v < 1 ? Math.round(v * 100) / 100 : Math.round(v * 10) / 10;
    return Math.max(SCALE_MIN, Math.min(SCALE_MAX, v));
  }

  /** The `composition` object of the create body, or null when placement is off. */
  function composition() {
    if (!$('comp-on').checked) return null;
    var scale = scaleValue();
    var c = {
      foreground: {
        anchor: radio('anchor') || 'center',
        scale: isFinite(scale) ? Math.round(scale * 1000) / 1000 : scale,
        offset: { x: numberOf('offset-x') || 0, y: numberOf('offset-y') || 0 }
      }
    };
    if ($('canvas-on').checked) c.canvas = { width: numberOf('canvas-w'), height: numberOf('canvas-h') };
    return c;
  }

  /** The canvas the server will draw on: {width, height (rounded up to even
   *  where the format needs it), asked: [w, h], own}, or null while unknown. */
  function canvasSize() {
    var even = !!EVEN_FORMATS[radio('format')];
    if ($('canvas-on').checked) {
      var w = numberOf('canvas-w'), h = numberOf('canvas-h');
      if (!(w >= 16 && h >= 16 && w % 1 === 0 && h % 1 === 0)) return null;
      var ew = even ? w + (w % 2) : w, eh = even ? h + (h % 2) : h;
      return { width: ew, height: eh, asked: [w, h], own: true };
    }
    var v = state.video;
    if (v && v.width && v.height) return { width: v.width, height: v.height, asked: [v.width, v.height], own: false };
    return null;
  }

  /** Where the subject lands on the canvas, the way the server places it:
   *  fitted inside the canvas (contain), times scale, anchored, then moved by
   *  the offset in canvas pixels. Sizes round to whole pixels, a middle
   *  anchor rounds down. */
  function placement(vw, vh, cw, ch, anchor, scale, ox, oy) {
    var fit = Math.min(cw / vw, ch / vh);
    var w = Math.max(1, Math.round(vw * fit * scale));
    var h = Math.max(1, Math.round(vh * fit * scale));
    var a = ANCHORS[anchor] || ANCHORS.center;
    var x = a[0] === 0 ? 0 : a[0] === 2 ? cw - w : Math.floor((cw - w) / 2);
    var y = a[1] === 0 ? 0 : a[1] === 2 ? ch - h : Math.floor((ch - h) / 2);
    return { x: x + ox, y: y + oy, width: w, height: h };
  }

  /** Why the placement settings can't be sent, in words, or ''. */
  function compProblem() {
    if (!$('comp-on').checked) return '';
    if ($('canvas-on').checked) {
      var w = numberOf('canvas-w'), h = numberOf('canvas-h');
      if (!(w >= 16 && w % 1 === 0) || !(h >= 16 && h % 1 === 0)) return 'The canvas needs a width and height of at least 16 whole pixels.';
    }
    var s = scaleValue();
    if (!(s >= SCALE_MIN && s <= SCALE_MAX)) return 'The scale goes from 0.05 to 10.';
    var x = numberOf('offset-x'), y = numberOf('offset-y');
    if ((!isNaN(x) && x % 1 !== 0) || (!isNaN(y) && y % 1 !== 0)) return 'Offsets are whole pixels.';
    var c = canvasSize();
    if (c && (Math.abs(x || 0) > c.width || Math.abs(y || 0) > c.height)) {
      return 'An offset can move the subject at most one canvas width (' + c.width + ' px) or height (' + c.height + ' px).';
    }
    return '';
  }

  function setAttrs(el, attrs) {
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, String(attrs[k])); });
  }

  /** Redraws the small placement picture: the canvas, its background and the subject's rectangle. */
  function renderPlacement() {
    if ($('comp-panel').hidden) return;
    var svg = $('place-svg');
    var v = state.video;
    var vKnown = !!(v && v.width && v.height);
    var vw = vKnown ? v.width : 1920, vh = vKnown ? v.height : 1080;
    var c = canvasSize();
    var cw = c ? c.width : vw, ch = c ? c.height : vh;
    var s = scaleValue();
    if (!(s > 0)) s = 1;
    s = Math.max(SCALE_MIN, Math.min(SCALE_MAX, s));
    var p = placement(vw, vh, cw, ch, radio('anchor') || 'center', s,
      Math.round(numberOf('offset-x')) || 0, Math.round(numberOf('offset-y')) || 0);

    svg.setAttribute('viewBox', '0 0 ' + cw + ' ' + ch);
    svg.dataset.canvas = cw + 'x' + ch;
    svg.dataset.video = vKnown ? vw + 'x' + vh : '';
    svg.dataset.fg = [p.x, p.y, p.width, p.height].join(',');
    ['pl-clip-rect', 'pl-bg', 'pl-frame'].forEach(function (id) { setAttrs($(id), { x: 0, y: 0, width: cw, height: ch }); });
    var cell = Math.max(cw, ch) / 24;
    setAttrs($('pl-checker'), { width: cell * 2, height: cell * 2 });
    setAttrs($('pl-checker').querySelector('.pl-ca'), { width: cell * 2, height: cell * 2 });
    Array.prototype.forEach.call($('pl-checker').querySelectorAll('.pl-cell'), function (r) {
      setAttrs(r, { width: cell, height: cell, x: r.classList.contains('pl-cell2') ? cell : 0, y: r.classList.contains('pl-cell2') ? cell : 0 });
    });

    // The background.
    var bg = radio('bg');
    var bgRect = $('pl-bg'), bgImg = $('pl-bg-image');
    bgImg.setAttribute('visibility', 'hidden');
    bgImg.removeAttribute('filter');
    if (bg === 'transparent') {
      bgRect.setAttribute('fill', 'url(#pl-checker)');
    } else if (NAMED_COLORS[bg]) {
      bgRect.setAttribute('fill', rgb2hex(NAMED_COLORS[bg]));
    } else if (bg === 'custom') {
      bgRect.setAttribute('fill', $('color-input').value);
    } else if (bg === 'image') {
      bgRect.setAttribute('fill', '#000');
      var im = state.bgImage;
      if (im && im.url) {
        var fit = radio('fit') || 'cover';
        setAttrs(bgImg, { href: im.url, x: 0, y: 0, width: cw, height: ch,
          preserveAspectRatio: fit === 'contain' ? 'xMidYMid meet' : fit === 'stretch' ? 'none' : 'xMidYMid slice' });
        bgImg.setAttribute('visibility', 'visible');
      } else {
        bgRect.setAttribute('fill', 'url(#pl-checker)');
      }
    } else if (bg === 'blur') {
      bgRect.setAttribute('fill', '#7b8194');
      if (v && v.thumb) {
        // The original frame, covering the canvas, blurred about as much (in canvas pixels) as asked.
        setAttrs(bgImg, { href: v.thumb, x: 0, y: 0, width: cw, height: ch, preserveAspectRatio: 'xMidYMid slice', filter: 'url(#pl-blur)' });
        $('pl-blur-amount').setAttribute('stdDeviation', String(blurRadius() / 2 * Math.max(cw / vw, ch / vh)));
        bgImg.setAttribute('visibility', 'visible');
      }
    }

    // The subject.
    setAttrs($('pl-fg'), p);
    setAttrs($('pl-fg-outline'), p);
    var fgImg = $('pl-fg-image');
    if (v && v.thumb) {
      setAttrs(fgImg, { href: v.thumb, x: p.x, y: p.y, width: p.width, height: p.height });
      fgImg.setAttribute('visibility', 'visible');
    } else {
      fgImg.setAttribute('visibility', 'hidden');
    }

    var words = [];
    if (c) {
      words.push('Canvas ' + cw + '×' + ch + (c.own ? '' : ' (the video’s size)'));
      if (c.own && (c.asked[0] !== cw || c.asked[1] !== ch)) words.push('rounded up to even for ' + (FORMAT_NAME[radio('format')] || ''));
    } else if ($('canvas-on').checked) {
      words.push('Enter the canvas size');
    } else {
      words.push(state.video ? 'Canvas: the video’s size (this browser can’t read it; the server will)' : 'Canvas: the video’s size (known once a video is chosen)');
    }
    if (vKnown) {
      words.push('subject ' + p.width + '×' + p.height + ' at x ' + p.x + ', y ' + p.y);
    } else {
      words.push('the subject drawn as a 16:9 video until yours is read');
    }
    $('place-text').textContent = words.join(' · ');
  }

  function rate(model) {
    return state.pricing && state.pricing[model] != null ? state.pricing[model] : null;
  }
  function onOptionsChanged() {
    var model = radio('model'), format = radio('format'), bg = radio('bg');
    var r = rate(model);
    var speed = speedText(model);
    $('model-hint').textContent = MODEL_INFO[model] + (r != null ? ' ' + r + ' credits per minute of video.' : '') + (speed ? ' ' + speed : '');
    $('model-tip-use').hidden = model === 'human';
    $('prompt-field').hidden = model !== 'pro';
    $('format-hint').textContent = FORMAT_INFO[format] || '';
    $('color-field').hidden = bg !== 'custom';
    $('image-field').hidden = bg !== 'image';
    $('blur-field').hidden = bg !== 'blur';
    var c = $('color-input').value;
    $('custom-swatch').style.background = bg === 'custom' ? c : '';
    $('color-value').textContent = c + ' · ' + hex2rgb(c).join(', ');
    $('blur-value').textContent = blurRadius() + ' px';
    var hint = $('bg-hint');
    if (format === 'mp4' && bg === 'transparent') {
      hint.textContent = 'MP4 can’t store transparency. Pick a background — or choose WebM, MOV, WebP or PNG zip to keep it transparent.';
      hint.hidden = false;
    } else {
      hint.hidden = true;
    }
    var bgNote = $('bg-note');
    if ((bg === 'image' || bg === 'blur') && format !== 'mp4') {
      bgNote.textContent = 'With ' + (bg === 'image' ? 'an image' : 'a blurred') + ' background the result has no transparency — MP4 is smaller and plays everywhere.';
      bgNote.hidden = false;
    } else {
      bgNote.hidden = true;
    }
    var compOn = $('comp-on').checked;
    $('comp-panel').hidden = !compOn;
    var canvasOn = $('canvas-on').checked;
    ['canvas-w', 'canvas-h', 'canvas-preset'].forEach(function (id) { $(id).disabled = !canvasOn; });
    $('canvas-size').classList.toggle('off', !canvasOn);
    var problem = compProblem();
    $('comp-problem').textContent = problem;
    $('comp-problem').hidden = !problem;
    renderPlacement();
    saveOptions();
    updateStart();
  }

  // ---------------------------------------------------------------- key
  function setKeyStatus(text, kind) {
    var s = $('key-status');
    s.textContent = text;
    s.className = 'key-status' + (kind ? ' ' + kind : '');
  }
  function compactKey(on) {
    $('key-card').classList.toggle('compact', on);
    $('key-collapse').hidden = !on;
    $('key-collapse').textContent = 'Change key';
  }
  function renderCredits(c) {
    var pill = $('credits');
    state.unlimited = !!c.unlimited;
    state.remaining = c.unlimited ? null : c.remaining;
    pill.textContent = c.unlimited ? 'Unlimited credits' : number(c.remaining) + ' credits left';
    pill.title = c.unlimited ? 'This key has no credit limit' : number(c.used) + ' used of ' + number(c.total);
    pill.hidden = false;
  }
  function renderKeyChip() {
    var chip = $('key-chip');
    if (!state.key) { chip.hidden = true; return; }
    chip.hidden = false;
    chip.classList.toggle('bad', !state.keyOk);
    $('key-chip-text').textContent = 'Key …' + state.key.slice(-4);
    chip.title = state.keyOk ? 'API key in use — click to change' : 'API key not accepted — click to change';
  }

  function checkKey(key, fromUser) {
    state.key = key;
    state.keyOk = false;
    setKeyStatus('Checking the key…', '');
    $('key-save').disabled = true;
    return api('v1/credits').then(function (c) {
      if (state.key !== key) return;
      state.keyOk = true;
      save(STORE.key, key);
      clearAlerts('invalid_api_key'); clearAlerts('missing_api_key'); clearAlerts('network');
      renderCredits(c);
      setKeyStatus('Key accepted — ' + (c.unlimited ? 'unlimited credits.' : number(c.remaining) + ' credits left.'), 'ok');
      compactKey(true);
      renderKeyChip();
      updateStart();
      loadJobs();
      loadPricing();
      loadModels();
      if (state.pendingFile) { var f = state.pendingFile; state.pendingFile = null; startUpload(f); }
      if (state.bgImage && state.bgImage.waiting) uploadBgImage(state.bgImage);
      resumeJob();
    }, function (err) {
      if (state.key !== key) return;
      var f = friendly(err);
      setKeyStatus(f.title + (f.detail ? ' ' + f.detail : ''), 'bad');
      if (err.status === 401) {
        state.keyOk = false;
        if (fromUser) save(STORE.key, null);
        compactKey(false);
        $('credits').hidden = true;
        // Said next to the field; a banner too when the stored key was refused on load.
        if (!fromUser) showAlert(err);
      } else {
        // Could not check (offline, server busy): keep the key and let actions report.
        state.keyOk = true;
        if (fromUser) save(STORE.key, key);
        showAlert(err);
      }
      renderKeyChip();
      updateStart();
    }).then(function () { $('key-save').disabled = false; });
  }

  // ---------------------------------------------------------------- model speeds
  /** This server's measured speed per model (GET /v1/models); a server
   *  without the route shows no speeds. */
  function loadModels() {
    if (!state.key || !state.keyOk) return;
    api('v1/models').then(function (res) {
      var models = {};
      ((res && res.models) || []).forEach(function (m) { if (m && m.model) models[m.model] = m; });
      state.models = models;
      renderSpeeds();
    }, function (err) {
      if (err && (err.status === 404 || err.status === 405)) { state.models = null; renderSpeeds(); }
      /* otherwise keep what was shown: speeds are a nicety */
    });
  }
  function measuredFps(model) {
    var m = state.models && state.models[model];
    var f = m && m.measured_fps;
    return typeof f === 'number' && isFinite(f) && f > 0 ? f : null;
  }
  function fpsText(f) { return f >= 10 ? String(Math.round(f)) : f.toFixed(1); }
  /** A sentence about the model's speed on this server, or '' when the server doesn't say. */
  function speedText(model) {
    if (!state.models || !state.models[model]) return '';
    var f = measuredFps(model);
    if (f == null) return 'Speed: not measured yet on this server.';
    var n = state.models[model].jobs_measured;
    return 'Speed on this server: ' + fpsText(f) + ' frames per second' +
      (n ? ' (average of ' + number(n) + ' job' + (n === 1 ? '' : 's') + ')' : '') + '.';
  }
  function renderSpeeds() {
    Object.keys(MODEL_NAME).forEach(function (model) {
      var el = $('speed-' + model);
      if (!el) return;
      var known = !!(state.models && state.models[model]);
      el.hidden = !known;
      if (!known) { el.textContent = ''; el.removeAttribute('title'); return; }
      var f = measuredFps(model);
      el.classList.toggle('unmeasured', f == null);
      el.textContent = f == null ? 'not measured' : fpsText(f) + ' fps';
      el.title = speedText(model);
    });
    onOptionsChanged();
  }

  function loadPricing() {
    if (state.pricing) return;
    api('api/pricing').then(function (p) {
      if (p && p.model_pricing_credits_per_minute) { state.pricing = p.model_pricing_credits_per_minute; onOptionsChanged(); }
    }, function () { /* estimates are optional */ });
  }

  function refreshCredits() {
    if (!state.key) return;
    api('v1/credits').then(renderCredits, function () { /* shown elsewhere */ });
  }

  // ---------------------------------------------------------------- file & upload
  function setInputPreview(url, note) {
    var box = $('input-box');
    box.textContent = '';
    if (url) {
      var v = document.createElement('video');
      v.id = 'input-video';
      v.setAttribute('data-testid', 'input-video');
      v.src = url; v.muted = true; v.loop = true; v.autoplay = true; v.playsInline = true; v.controls = true;
      v.setAttribute('aria-label', 'Your original video');
      v.onerror = function () {
        if ($('input-video') !== v) return;
        state.unplayable = url;
        setInputPreview(null, unplayableNote(url));
      };
      box.appendChild(v);
      v.play().catch(function () {});
    } else {
      var p = document.createElement('p');
      p.className = 'placeholder';
      p.textContent = note || 'Your video shows up here.';
      box.appendChild(p);
    }
  }

  /** What the input box says when this browser can't play the chosen file:
   *  once the server has answered, only what the server said counts. */
  function unplayableNote(url) {
    var up = state.upload;
    if (!up || up.url !== url) return 'This browser can’t play this file. The server may still read it — it checks every upload.';
    if (up.result) return 'This browser can’t play this file, but the server read it — you can process it.';
    if (up.error) return 'No preview for this file.';
    return 'This browser can’t play this file. The server may still read it — it checks every upload.';
  }
  /** After the upload's answer, the input box's note follows it. */
  function refreshUnplayable(up) {
    if (state.upload === up && state.unplayable && state.unplayable === up.url && !$('input-video')) {
      setInputPreview(null, unplayableNote(up.url));
    }
  }

  function handleFile(file) {
    if (!file) return;
    if (file.type && !/^video\//.test(file.type) && !/\.(mp4|mov|webm|mkv|avi|m4v|mpg|mpeg|ts|gif|flv|wmv|3gp)$/i.test(file.name)) {
      showAlert({ title: 'That doesn’t look like a video.', detail: '“' + file.name + '” is ' + (file.type || 'an unknown type') + '. Choose an MP4, MOV, WebM or MKV file.' });
      return;
    }
    clearAlerts();
    var url = URL.createObjectURL(file);
    state.unplayable = null;
    setInputPreview(url);
    probeVideo(url);
    $('dropzone').classList.add('compact');
    if (!state.key || !state.keyOk) {
      state.pendingFile = { file: file, url: url };
      showUploadPanel(file, 'Waiting for your API key…', 0);
      showAlert({ code: 'missing_api_key', title: 'Enter your API key first.', detail: 'The upload starts as soon as the key is accepted.' });
      $('key-input').focus();
      updateStart();
      return;
    }
    startUpload({ file: file, url: url });
  }

  function showUploadPanel(file, detail, pct) {
    var panel = $('upload');
    panel.hidden = false;
    panel.classList.remove('done', 'failed');
    $('upload-name').textContent = file.name;
    $('upload-name').title = file.name;
    $('upload-detail').textContent = detail;
    setBar($('upload-bar'), pct);
  }

  function setBar(bar, pct, indeterminate) {
    pct = Math.max(0, Math.min(100, pct || 0));
    bar.querySelector('.bar-fill').style.width = pct + '%';
    bar.setAttribute('aria-valuenow', String(Math.round(pct)));
    bar.classList.toggle('indeterminate', !!indeterminate);
  }

  function startUpload(pending) {
    var file = pending.file;
    if (state.upload && state.upload.xhr && !state.upload.result) state.upload.xhr.abort();
    var up = { file: file, url: pending.url, xhr: null, result: null, error: null, duration: null, started: Date.now() };
    state.upload = up;
    renderRunFull();
    showUploadPanel(file, 'Uploading… 0% of ' + bytes(file.size), 0);
    // Duration from the local file, for the credit estimate before the upload finishes.
    var probe = document.createElement('video');
    probe.preload = 'metadata';
    probe.onloadedmetadata = function () { if (!up.duration && isFinite(probe.duration)) { up.duration = probe.duration; updateStart(); } };
    probe.src = pending.url;

    up.promise = sendUpload(up, {
      progress: function (loaded, total) {
        if (state.upload !== up) return;
        var pct = loaded / total * 100;
        var secs = (Date.now() - up.started) / 1000;
        var speed = secs > 0.5 ? ' · ' + bytes(loaded / secs) + '/s' : '';
        $('upload-detail').textContent = pct >= 100
          ? 'Checking the video…'
          : 'Uploading… ' + Math.floor(pct) + '% of ' + bytes(total) + speed;
        setBar($('upload-bar'), pct, pct >= 100);
      },
      sent: function () {
        if (state.upload !== up) return;
        $('upload-detail').textContent = 'Checking the video…';
        setBar($('upload-bar'), 100, true);
      }
    });

    up.promise.then(function (res) {
      up.result = res;
      if (res.duration_seconds != null) up.duration = res.duration_seconds;
      state.inputs[res.video_url] = pending.url;
      if (state.upload !== up) return;
      // The server's own reading of the size, when it says it, is the one the placement uses.
      if (res.width > 0 && res.height > 0 && state.video && state.video.url === pending.url) {
        state.video.width = res.width;
        state.video.height = res.height;
        state.video.fromServer = true;
        renderPlacement();
        updateStart();
      }
      var panel = $('upload');
      panel.classList.add('done');
      $('upload-detail').textContent = 'Uploaded · ' + [bytes(res.size), duration(res.duration_seconds)].filter(Boolean).join(' · ');
      setBar($('upload-bar'), 100);
      refreshUnplayable(up);
      updateStart();
    }, function (err) {
      up.error = err;
      if (state.upload !== up || err.code === 'aborted') return;
      var panel = $('upload');
      panel.classList.add('failed');
      var f = friendly(err);
      if (err.code === 'network') f = { title: 'The upload was interrupted.', detail: 'The connection closed before the server answered. Check your connection; a file above the server’s size limit can also end this way.' };
      $('upload-detail').textContent = 'Upload failed — ' + f.title.replace(/\.$/, '');
      setBar($('upload-bar'), 0);
      refreshUnplayable(up);
      showAlert(err.code === 'network' ? f : err);
      if (err.status === 401) { state.keyOk = false; renderKeyChip(); compactKey(false); }
      updateStart();
    });
  }

  /** POSTs `holder.file` to /v1/uploads; sets holder.xhr. Resolves with the
   *  answer (which has a video_url, for images too), rejects with an ApiError
   *  (code 'aborted' when replaced). */
  function sendUpload(holder, on) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      holder.xhr = xhr;
      xhr.open('POST', 'v1/uploads');
      xhr.setRequestHeader('X-Api-Key', state.key);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable && on.progress) on.progress(e.loaded, e.total);
      };
      xhr.upload.onload = function () { if (on.sent) on.sent(); };
      xhr.onload = function () {
        var data = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
        if (xhr.status >= 200 && xhr.status < 300 && data && data.video_url) {
          resolve(data);
        } else {
          var hdr = { get: function (n) { return xhr.getResponseHeader(n); } };
          reject(errorFrom(xhr.status, data, hdr));
        }
      };
      xhr.onerror = function () {
        reject(new ApiError(0, 'network', 'the connection closed during the upload'));
      };
      xhr.onabort = function () { reject(new ApiError(0, 'aborted', 'upload replaced')); };
      var form = new FormData();
      form.append('file', holder.file, holder.file.name);
      xhr.send(form);
    });
  }

  /** Reads the chosen video's size and a small first frame in the browser,
   *  for the placement drawing (the upload's answer may correct the size). */
  function probeVideo(url) {
    var v = { url: url, width: null, height: null, thumb: null, fromServer: false };
    state.video = v;
    var el = document.createElement('video');
    el.muted = true;
    el.playsInline = true;
    el.preload = 'auto';
    el.onloadedmetadata = function () {
      if (state.video !== v || v.fromServer || !el.videoWidth) return;
      v.width = el.videoWidth;
      v.height = el.videoHeight;
      renderPlacement();
      updateStart();
    };
    el.onloadeddata = function () {
      if (state.video !== v || !el.videoWidth) return;
      try {
        var k = Math.min(1, 320 / el.videoWidth);
        var c = document.createElement('canvas');
        c.width = Math.max(1, Math.round(el.videoWidth * k));
        c.height = Math.max(1, Math.round(el.videoHeight * k));
        c.getContext('2d').drawImage(el, 0, 0, c.width, c.height);
        v.thumb = c.toDataURL('image/jpeg', 0.8);
      } catch (e) { /* a picture is a nicety */ }
      el.removeAttribute('src');
      el.load();
      renderPlacement();
    };
    el.src = url;
  }

  // ---------------------------------------------------------------- background image
  function handleBgImage(file) {
    if (!file) return;
    if (!/^image\/(png|jpeg|webp)$/i.test(file.type || '') && !/\.(png|jpe?g|webp)$/i.test(file.name)) {
      showAlert({ title: 'That isn’t a PNG, JPEG or WebP image.', detail: '“' + file.name + '” is ' + (file.type || 'an unknown type') + '. Choose a PNG, JPEG or WebP picture for the background.' });
      return;
    }
    var old = state.bgImage;
    if (old && old.xhr && !old.result) old.xhr.abort();
    if (old && old.url) URL.revokeObjectURL(old.url);
    var im = { file: file, url: URL.createObjectURL(file), xhr: null, promise: null, result: null, error: null, width: null, height: null, waiting: false };
    state.bgImage = im;
    var probe = new Image();
    probe.onload = function () {
      if (state.bgImage !== im) return;
      if (!im.width) { im.width = probe.naturalWidth; im.height = probe.naturalHeight; }
      renderBgImage();
    };
    probe.src = im.url;
    setRadio('bg', 'image');
    if (!state.key || !state.keyOk) {
      im.waiting = true;
      renderBgImage('Waiting for your API key…');
      showAlert({ code: 'missing_api_key', title: 'Enter your API key first.', detail: 'The image uploads as soon as the key is accepted.' });
      onOptionsChanged();
      return;
    }
    uploadBgImage(im);
    onOptionsChanged();
  }

  function uploadBgImage(im) {
    im.waiting = false;
    im.error = null;
    renderBgImage('Uploading… 0%');
    setBar($('bg-image-bar'), 0);
    $('bg-image-bar').hidden = false;
    im.promise = sendUpload(im, {
      progress: function (loaded, total) {
        if (state.bgImage !== im) return;
        var pct = loaded / total * 100;
        renderBgImage(pct >= 100 ? 'Checking the image…' : 'Uploading… ' + Math.floor(pct) + '% of ' + bytes(total));
        setBar($('bg-image-bar'), pct, pct >= 100);
      },
      sent: function () {
        if (state.bgImage !== im) return;
        renderBgImage('Checking the image…');
        setBar($('bg-image-bar'), 100, true);
      }
    });
    im.promise.then(function (res) {
      im.result = res;
      if (res.width > 0 && res.height > 0) { im.width = res.width; im.height = res.height; }
      if (state.bgImage !== im) return;
      $('bg-image-bar').hidden = true;
      renderBgImage();
      updateStart();
    }, function (err) {
      im.error = err;
      if (state.bgImage !== im || err.code === 'aborted') return;
      $('bg-image-bar').hidden = true;
      var f = friendly(err);
      if (err.code === 'unsupported_media_type') f = { title: 'That image can’t be read by the server.', detail: 'Choose a PNG, JPEG or WebP picture.' + (err.message ? ' (' + sentence(err.message).replace(/\.$/, '') + ')' : '') };
      else if (err.code === 'unprocessable_video') f = { title: 'That image is outside the server’s limits.', detail: sentence(err.message) || 'It may have too many pixels.' };
      else if (err.code === 'network') f = { title: 'The image upload was interrupted.', detail: 'Check your connection and choose the image again.' };
      renderBgImage('Upload failed — ' + f.title.replace(/\.$/, ''));
      showAlert(err.code === 'network' || err.code === 'unsupported_media_type' || err.code === 'unprocessable_video' ? f : err);
      if (err.status === 401) { state.keyOk = false; renderKeyChip(); compactKey(false); }
      updateStart();
    });
  }

  /** The image field's name, thumbnail and state line. */
  function renderBgImage(detail) {
    var im = state.bgImage;
    var thumb = $('bg-image-thumb');
    if (!im) {
      $('bg-image-name').textContent = 'No image chosen';
      $('bg-image-detail').textContent = 'PNG, JPEG or WebP';
      thumb.hidden = true;
      $('bg-image-badge').hidden = false;
      $('image-swatch').style.backgroundImage = '';
      return;
    }
    $('bg-image-name').textContent = im.file.name;
    $('bg-image-name').title = im.file.name;
    if (thumb.getAttribute('src') !== im.url) thumb.src = im.url;
    thumb.hidden = false;
    $('bg-image-badge').hidden = true;
    $('image-swatch').style.backgroundImage = 'url("' + im.url + '")';
    if (detail === undefined) {
      detail = im.error ? 'Upload failed — choose the image again'
        : im.result ? 'Uploaded · ' + [bytes(im.result.size || im.file.size), im.width ? im.width + '×' + im.height : ''].filter(Boolean).join(' · ')
        : im.waiting ? 'Waiting for your API key…' : 'Uploading…';
    }
    $('bg-image-detail').textContent = detail;
    $('image-field').classList.toggle('failed', !!im.error);
    renderPlacement();
  }

  // ---------------------------------------------------------------- start
  function updateStart() {
    var btn = $('start'), note = $('start-note');
    var o = { model: radio('model'), format: radio('format'), bg: radio('bg') };
    var up = state.upload;
    var im = state.bgImage;
    var reason = '';
    if (!state.key || !state.keyOk) reason = 'Enter your API key in step 1.';
    else if (!up && !state.pendingFile) reason = 'Choose a video first.';
    else if (up && up.error) reason = 'The upload failed — choose the file again.';
    else if (o.format === 'mp4' && o.bg === 'transparent') reason = 'MP4 needs a background.';
    else if (o.bg === 'image' && !im) reason = 'Choose a background image.';
    else if (o.bg === 'image' && im.error) reason = 'The background image upload failed — choose the image again.';
    else if (compProblem()) reason = compProblem();
    btn.disabled = !!reason || !!state.creating;
    $('preview').disabled = btn.disabled;
    var text = reason;
    if (!reason) {
      var parts = [];
      var waiting = (up && !up.result) || (o.bg === 'image' && !im.result);
      if (waiting) parts.push('The job starts as soon as the upload' + ((up && !up.result) && (o.bg === 'image' && !im.result) ? 's finish.' : ' finishes.'));
      var r = rate(o.model), d = up && up.duration;
      if (r != null && d) {
        var cost = Math.ceil(r * d / 60);
        parts.push('About ' + number(cost) + ' credit' + (cost === 1 ? '' : 's') + ' for ' + duration(d) + ' with ' + MODEL_NAME[o.model] +
          (state.unlimited ? ' (unlimited key).' : state.remaining != null ? ' — you have ' + number(state.remaining) + '.' : '.'));
        if (d > PREVIEW_SECONDS) {
          var pcost = Math.ceil(r * PREVIEW_SECONDS / 60);
          parts.push('A ' + PREVIEW_SECONDS + ' s preview: about ' + number(pcost) + ' credit' + (pcost === 1 ? '' : 's') + '.');
        }
      }
      text = parts.join(' ');
    }
    note.textContent = text;
  }

  function newIdempotencyKey() {
    if (window.crypto && crypto.randomUUID) return 'web-' + crypto.randomUUID();
    return 'web-' + Date.now() + '-' + Math.random().toString(36).slice(2);
  }

  /** Creates and follows a job with the chosen settings; with `preview`, one
   *  that processes only the first PREVIEW_SECONDS. */
  function startJob(preview) {
    var up = state.upload;
    if (!up || state.creating) return;
    var body = options();
    var im = body.background.type === 'image' ? state.bgImage : null;
    if (body.background.type === 'image' && (!im || !im.promise)) return;
    if (preview) body.preview_duration = PREVIEW_SECONDS;
    state.creating = true;
    var btn = preview ? $('preview') : $('start');
    $('start').disabled = true;
    $('preview').disabled = true;
    btn.textContent = up.result && (!im || im.result) ? 'Starting…' : 'Waiting for the upload…';
    var idem = newIdempotencyKey();
    Promise.all([up.promise, im ? im.promise : null]).then(function (res) {
      btn.textContent = 'Starting…';
      body.video_url = res[0].video_url;
      if (im) body.background.image_url = res[1].video_url;
      return api('v1/jobs', { method: 'POST', body: body, idempotencyKey: idem });
    }).then(function (res) {
      openNewJob(res);
      if (window.matchMedia('(max-width: 920px)').matches) scrollToResult();
    }).catch(function (err) {
      if (err && err.code === 'aborted') return;
      var shown = (state.upload && state.upload.error === err) || (state.bgImage && state.bgImage.error === err);
      if (!shown) showAlert(err);
      if (err.status === 402) refreshCredits();
    }).then(function () {
      state.creating = false;
      $('start').textContent = 'Remove background';
      $('preview').textContent = 'Preview ' + PREVIEW_SECONDS + ' s';
      updateStart();
    });
  }

  // ---------------------------------------------------------------- job view
  // A job just created (its create answer): shown, followed, listed.
  function openNewJob(res) {
    var job = res.job || res;
    if (!job.id) job.id = res.id;
    clearAlerts();
    showJob(job, { fresh: true });
    follow(job.id);
    loadJobs();
  }

  function stopFollowing() {
    if (state.follow) {
      state.follow.controller.abort();
      state.follow = null;
    }
  }

  function follow(id) {
    stopFollowing();
    var controller = new AbortController();
    var f = { id: id, controller: controller };
    state.follow = f;
    save(STORE.job, id);
    streamEvents(id, controller.signal).then(function (terminal) {
      if (terminal || controller.signal.aborted) return;
      return poll(id, controller.signal);
    }, function (err) {
      if (controller.signal.aborted) return;
      if (err && (err.status === 401 || err.status === 404)) { showAlert(err); return; }
      return poll(id, controller.signal);
    }).then(function () {
      if (state.follow === f) state.follow = null;
    });
  }

  /** Reads the server-sent events with fetch (EventSource can't send X-Api-Key).
   *  Resolves true when a terminal status arrived, false when the stream ended early. */
  function streamEvents(id, signal) {
    return fetch('v1/jobs/' + encodeURIComponent(id) + '/events', {
      headers: { 'X-Api-Key': state.key, 'Accept': 'text/event-stream' },
      signal: signal,
      cache: 'no-store'
    }).then(function (res) {
      if (!res.ok || !res.body) {
        return res.text().then(function (t) {
          var data = null; try { data = JSON.parse(t); } catch (e) { /* not JSON */ }
          throw errorFrom(res.status, data, res.headers);
        });
      }
      var reader = res.body.getReader();
      var decoder = new TextDecoder();
      var buffer = '';
      var terminal = false;
      function handleBlock(block) {
        var event = 'message', data = [];
        block.split(/\r\n|\r|\n/).forEach(function (line) {
          if (!line || line.charAt(0) === ':') return;
          var i = line.indexOf(':');
          var field = i < 0 ? line : line.slice(0, i);
          var value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        });
        if (!data.length) return;
        var job;
        try { job = JSON.parse(data.join('\n')); } catch (e) { return; }
        if (!job || !job.id) return;
        if (event === 'status' || event === 'progress' || event === 'message') {
          if (state.follow && state.follow.id === id) showJob(job);
          if (TERMINAL[job.status]) terminal = true;
        }
      }
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) {
            if (buffer.trim()) handleBlock(buffer);
            return terminal;
          }
          buffer += decoder.decode(r.value, { stream: true });
          var parts = buffer.split(/\r\n\r\n|\n\n|\r\r/);
          buffer = parts.pop();
          parts.forEach(handleBlock);
          if (terminal) { reader.cancel().catch(function () {}); return true; }
          return pump();
        });
      }
      return pump();
    });
  }

  /** Fallback when the event stream breaks: GET the job every second. */
  function poll(id, signal) {
    var failures = 0;
    function step() {
      if (signal.aborted) return;
      return api('v1/jobs/' + encodeURIComponent(id), { signal: signal }).then(function (job) {
        failures = 0;
        if (state.follow && state.follow.id === id) showJob(job);
        if (TERMINAL[job.status]) return;
        return sleep(1000, signal).then(step);
      }, function (err) {
        if (signal.aborted || (err && err.name === 'AbortError')) return;
        if (err.status === 401 || err.status === 404) { showAlert(err); return; }
        failures++;
        if (failures === 3) $('progress-info').textContent = 'Connection lost — retrying…';
        var wait = err.retryAfter ? err.retryAfter * 1000 : Math.min(10000, 1000 * failures);
        return sleep(wait, signal).then(step);
      });
    }
    return step();
  }

  // The API shows a canceled job as `failed` with `error_code: canceled`
  // (what the vendor's SDKs wait for); the page says "Canceled".
  function pageJob(job) {
    if (job && job.status === 'failed' && job.error_code === 'canceled') {
      return Object.assign({}, job, { status: 'canceled' });
    }
    return job;
  }

  function showJob(job, opts) {
    job = pageJob(job);
    opts = opts || {};
    var prev = state.job;
    var sameJob = prev && prev.id === job.id;
    var statusChanged = !sameJob || prev.status !== job.status;
    state.job = job;
    if (!sameJob) {
      state.eta = null;
      clearResult();
      var local = state.inputs[job.video_url];
      if (local) setInputPreview(local);
      else if (!opts.fresh) setInputPreview(null, 'The original of an earlier job isn’t kept in this browser.');
    }

    var badge = $('preview-badge');
    badge.hidden = !job.preview;
    badge.textContent = job.preview_duration ? 'Preview · ' + duration(job.preview_duration) : 'Preview';
    badge.title = job.preview ? 'Only the first ' + (job.preview_duration ? duration(job.preview_duration) : 'seconds') + ' of the video were processed' : '';

    var chip = $('job-chip');
    chip.hidden = false;
    chip.className = 'chip s-' + job.status;
    chip.textContent = STATUS_TEXT[job.status] || job.status;
    chip.dataset.status = job.status;
    chip.dataset.jobId = job.id;

    var progress = $('progress');
    progress.hidden = false;
    progress.classList.toggle('done', job.status === 'completed');
    progress.classList.toggle('failed', job.status === 'failed' || job.status === 'canceled');
    progress.classList.toggle('running', job.status === 'processing');
    var pct = jobPercent(job);
    var stage = job.status === 'failed' ? 'Failed' : job.status === 'canceled' ? 'Canceled' :
      job.status === 'completed' ? 'Done' : (STAGE_TEXT[job.stage] || job.stage || 'Working…');
    $('stage-text').textContent = stage;
    $('progress-pct').textContent = jobPercent(job) + '%';
    setBar($('job-bar'), pct, job.status === 'processing' && (job.stage === 'queued' || job.stage === 'fetching' || job.stage === 'probing') && pct < 3);
    $('progress-info').textContent = progressInfo(job);
    $('cancel').hidden = !!TERMINAL[job.status];
    $('cancel').disabled = false;

    // Errors and warnings.
    var errBox = $('job-error');
    if (job.status === 'failed' || job.status === 'canceled') {
      var f = friendly({ code: job.error_code || (job.status === 'canceled' ? 'canceled' : 'processing_failed'), message: job.error });
      errBox.innerHTML = '<strong></strong><span></span>';
      errBox.querySelector('strong').textContent = f.title;
      errBox.querySelector('span').textContent = f.detail || '';
      errBox.classList.toggle('neutral', job.status === 'canceled');
      errBox.hidden = false;
    } else {
      errBox.hidden = true;
    }
    var warnings = Array.isArray(job.warnings) ? job.warnings.filter(Boolean) : [];
    var wl = $('warnings');
    wl.textContent = '';
    warnings.forEach(function (w) {
      var li = document.createElement('li');
      li.textContent = typeof w === 'string' ? w : (w.message || JSON.stringify(w));
      wl.appendChild(li);
    });
    wl.hidden = !warnings.length;

    if (job.status === 'completed' && job.output_url && (!sameJob || statusChanged || !$('download').getAttribute('href') || $('download').getAttribute('href') === '#')) {
      showResult(job);
    } else if (!TERMINAL[job.status] && !sameJob) {
      var box = $('result-box');
      box.innerHTML = '<div class="spinner" role="presentation"></div>';
    } else if (job.status !== 'completed' && TERMINAL[job.status]) {
      setResultPlaceholder(job.status === 'canceled' ? 'Canceled — nothing to show.' : 'No result — see the message above.');
    }
    $('again').hidden = !TERMINAL[job.status];
    renderRunFull();
    updateJobRow(job);
    markCurrentInList();

    if (statusChanged && sameJob && TERMINAL[job.status]) {
      save(STORE.job, null);
      loadJobs();
      refreshCredits();
      loadModels();
    }
  }

  /** After a finished preview of the video still chosen above, the whole run is one click away. */
  function renderRunFull() {
    var job = state.job;
    var up = state.upload;
    $('run-full').hidden = !(job && job.preview && job.status === 'completed' &&
      up && up.result && up.result.video_url === job.video_url);
  }

  function progressInfo(job) {
    var bits = [];
    if (job.status === 'processing' && job.stage === 'queued' && job.queue_position) {
      return job.queue_position === 1
        ? 'Queued: next to start'
        : 'Queued: ' + (job.queue_position - 1) + ' job' + (job.queue_position === 2 ? '' : 's') + ' ahead';
    }
    if (job.status === 'processing') {
      var now = Date.now(), p = job.progress || 0;
      var e = state.eta;
      if (!e || e.id !== job.id) e = state.eta = { id: job.id, t0: null, p0: 0 };
      if (job.stage === 'segmenting' && e.t0 === null && p > 0) { e.t0 = now; e.p0 = p; }
      if (e.t0 !== null && p > e.p0 + 1 && now - e.t0 > 1500) {
        var perPct = (now - e.t0) / 1000 / (p - e.p0);
        bits.push(countdown(perPct * (100 - p) + 1));
        if (job.frames && job.stage === 'segmenting') {
          var fps = job.frames * ((p - e.p0) / 90) / ((now - e.t0) / 1000);
          if (fps > 0 && isFinite(fps)) bits.push((fps >= 10 ? Math.round(fps) : fps.toFixed(1)) + ' fps');
        }
      }
    }
    var meta = [];
    if (job.width && job.height) meta.push(job.width + '×' + job.height);
    if (job.fps) meta.push((Math.round(job.fps * 100) / 100) + ' fps');
    if (job.duration_seconds) meta.push(duration(job.duration_seconds));
    if (job.frames) meta.push(number(job.frames) + ' frames');
    if (job.status === 'processing' && !bits.length && meta.length) return MODEL_NAME[job.model] + ' · ' + meta.join(' · ');
    if (job.status === 'completed') {
      var took = job.started_at && job.completed_at ? (Date.parse(job.completed_at) - Date.parse(job.started_at)) / 1000 : null;
      var done = [];
      if (took != null && took >= 0) done.push('took ' + duration(took));
      if (job.credits_charged) done.push(number(job.credits_charged) + ' credits');
      return ['Finished'].concat(done).join(' · ');
    }
    return bits.join(' · ');
  }

  function clearResult() {
    teardownCompare();
    dropPreviewBlob();
    setResultPlaceholder('The cut-out appears here, over a checkerboard where it is transparent.');
    var dl = $('download');
    dl.hidden = true;
    dl.setAttribute('href', '#');
    $('result-meta').textContent = '';
    $('again').hidden = true;
    $('run-full').hidden = true;
  }
  function setResultPlaceholder(text) {
    var box = $('result-box');
    box.textContent = '';
    var p = document.createElement('p');
    p.className = 'placeholder';
    p.textContent = text;
    box.appendChild(p);
  }
  function note(title, text) {
    var box = $('result-box');
    box.textContent = '';
    var d = document.createElement('div');
    d.className = 'note-box';
    d.setAttribute('data-testid', 'result-note');
    var b = document.createElement('b'); b.textContent = title;
    var s = document.createElement('span'); s.textContent = text;
    d.appendChild(b); d.appendChild(s);
    box.appendChild(d);
  }

  var PREVIEW_BLOB_LIMIT = 300 * 1024 * 1024;

  function dropPreviewBlob() {
    if (state.previewCtrl) { state.previewCtrl.abort(); state.previewCtrl = null; }
    if (state.previewObjectUrl) { URL.revokeObjectURL(state.previewObjectUrl); state.previewObjectUrl = null; }
  }

  /** The result in memory as an object URL: seekable and loopable in the
   *  <video> (the download route streams whole files, without byte ranges).
   *  Resolves the signed URL itself for very large files. */
  function previewSource(url) {
    dropPreviewBlob();
    var ctrl = new AbortController();
    state.previewCtrl = ctrl;
    return fetch(url, { signal: ctrl.signal, cache: 'no-store' }).then(function (res) {
      if (!res.ok) {
        return res.text().then(function (t) {
          var data = null; try { data = JSON.parse(t); } catch (e) { /* not JSON */ }
          throw errorFrom(res.status, data, res.headers);
        });
      }
      var len = parseInt(res.headers.get('Content-Length') || '0', 10);
      if (len > PREVIEW_BLOB_LIMIT) { ctrl.abort(); return url; }
      return res.blob().then(function (blob) {
        if (ctrl.signal.aborted) return null;
        state.previewObjectUrl = URL.createObjectURL(blob);
        return state.previewObjectUrl;
      });
    }, function (e) {
      if (e && e.name === 'AbortError') return null;
      return url; // let the element try the URL itself
    }).then(function (src) {
      if (state.previewCtrl === ctrl) state.previewCtrl = null;
      return ctrl.signal.aborted && src !== url ? null : src;
    });
  }

  function showResult(job) {
    var url = localUrl(job.output_url);
    var fmt = job.output_format;
    var box = $('result-box');
    box.textContent = '';
    dropPreviewBlob();
    var playable = fmt === 'webm' || fmt === 'mp4' || fmt === 'gif' || fmt === 'webp';
    if (playable) {
      box.innerHTML = '<div class="spinner" role="presentation"></div>';
      box.setAttribute('aria-busy', 'true');
      var forId = job.id;
      previewSource(url).then(function (src) {
        if (!src || !state.job || state.job.id !== forId) return;
        box.removeAttribute('aria-busy');
        box.textContent = '';
        // The list's thumbnail waited for this download (or comes from the before/after view).
        setTimeout(queueThumbs, 0);
        if (fmt === 'webm' || fmt === 'mp4') {
          var v = document.createElement('video');
          v.id = 'result-video';
          v.setAttribute('data-testid', 'result-video');
          v.muted = true; v.loop = true; v.autoplay = true; v.playsInline = true; v.controls = true;
          v.preload = 'auto';
          v.setAttribute('aria-label', 'Result with the background removed');
          v.onerror = function () {
            note('This browser can’t preview the result.', 'Download it instead — the file itself is fine.');
          };
          v.src = src;
          box.appendChild(v);
          v.play().catch(function () {});
          syncVideos(v);
          setupCompare(job, src);
        } else {
          var img = document.createElement('img');
          img.id = 'result-image';
          img.setAttribute('data-testid', 'result-image');
          img.alt = 'Result with the background removed';
          img.onerror = function () { note('The preview didn’t load.', 'Download the file instead.'); };
          img.src = src;
          box.appendChild(img);
        }
      }, function (err) {
        box.removeAttribute('aria-busy');
        var f = friendly(err);
        note(f.title, f.detail || 'Try opening the job again from the list below.');
      });
    } else if (fmt === 'mov') {
      note('ProRes MOV doesn’t play in web browsers.', 'Download it for Premiere, Final Cut, DaVinci Resolve or After Effects — the transparency is kept.');
    } else if (fmt === 'png_sequence') {
      note('A zip of transparent PNG frames.', 'Download it and unzip: one PNG per frame, ready for compositing.');
    } else {
      note('No preview for this format.', 'Download the file to use it.');
    }
    var dl = $('download');
    dl.href = url;
    dl.setAttribute('download', job.id + (job.preview ? '-preview' : '') + '.' + (FORMAT_EXT[fmt] || 'bin'));
    $('download-text').textContent = 'Download ' + (job.preview ? 'preview ' : '') + (FORMAT_NAME[fmt] || '');
    // After a preview the whole run is the next step; its download comes second.
    dl.classList.toggle('btn-primary', !job.preview);
    dl.classList.toggle('btn-ghost', !!job.preview);
    dl.hidden = false;
    showReformat(job);
    var meta = [MODEL_NAME[job.model] || job.model, FORMAT_NAME[fmt] || fmt, bgLabel(job)];
    if (job.preview) meta.unshift(sentence(previewLabel(job)).replace(/\.$/, ''));
    if (job.output_expires_at) meta.push('link valid until ' + new Date(job.output_expires_at).toLocaleString());
    $('result-meta').textContent = meta.join(' · ');
  }

  // Other formats of a finished job: the server re-encodes with the matte
  // it kept (POST /v1/jobs/{id}/formats), so no model runs and nothing is charged.
  function showReformat(job) {
    var box = $('reformat');
    Array.prototype.slice.call(box.querySelectorAll('button')).forEach(function (b) { b.remove(); });
    var transparent = job.bg_type === 'transparent';
    Object.keys(FORMAT_NAME).forEach(function (f) {
      // mp4 cannot carry transparency.
      if (f === job.output_format || (f === 'mp4' && transparent)) return;
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn btn-ghost btn-small';
      b.dataset.format = f;
      b.textContent = FORMAT_NAME[f];
      b.title = 'The same result as ' + FORMAT_NAME[f] + ': re-encoded from the kept matte, no model run, no credits';
      b.addEventListener('click', function () { reformat(job, f, b); });
      box.appendChild(b);
    });
    box.hidden = job.status !== 'completed';
  }

  function reformat(job, format, button) {
    button.disabled = true;
    api('v1/jobs/' + encodeURIComponent(job.id) + '/formats', {
      method: 'POST', body: { output_format: format }, idempotencyKey: newIdempotencyKey()
    }).then(openNewJob).catch(function (err) {
      showAlert(err);
    }).then(function () {
      button.disabled = false;
    });
  }

  // ---------------------------------------------------------------- before / after
  // The original and the result stacked on one stage, the result right of a
  // divider, both paused on the same frame (or playing in step); zoom with
  // drag-to-pan. Shown for video results whose original is in this browser.
  var ZOOM_MAX = 8;

  function compareVideo(src, testid, label) {
    var v = document.createElement('video');
    v.muted = true; v.loop = true; v.playsInline = true; v.preload = 'auto';
    v.setAttribute('data-testid', testid);
    v.setAttribute('aria-label', label);
    v.src = src;
    return v;
  }

  function setupCompare(job, resultSrc) {
    teardownCompare();
    var input = state.inputs[job.video_url];
    if (!input || !(job.output_format === 'webm' || job.output_format === 'mp4')) return;
    var c = { jobId: job.id, zoom: 1, x: 0, y: 0, playing: false, ready: false };
    c.input = compareVideo(input, 'compare-input', 'The original video');
    c.result = compareVideo(resultSrc, 'compare-result', 'The result');
    $('cmp-before').firstElementChild.appendChild(c.input);
    $('cmp-after').firstElementChild.appendChild(c.result);
    state.compare = c;
    $('compare').dataset.jobId = job.id;
    $('compare').dataset.ready = 'false';
    setSplit(50);
    applyTransform();
    setPlaying(false);
    renderView();
    c.result.addEventListener('loadedmetadata', function () {
      if (state.compare !== c) return;
      if (c.result.videoWidth && c.result.videoHeight) $('compare').style.setProperty('--ar', String(c.result.videoWidth / c.result.videoHeight));
      var d = c.result.duration;
      $('cmp-time').max = isFinite(d) && d > 0 ? String(Math.floor(d * 100) / 100) : '0';
      // The first frame compared: the middle of the clip.
      seekCompare(isFinite(d) && d > 0 ? Math.round(d * 50) / 100 : 0, function () {
        if (state.compare !== c) return;
        c.ready = true;
        $('compare').dataset.ready = 'true';
        if (!hasThumb(job.id)) setThumb(job.id, thumbFrom(c.result, c.result.videoWidth, c.result.videoHeight));
      });
    });
    c.result.addEventListener('timeupdate', function () {
      if (state.compare !== c || !c.playing) return;
      showCompareTime(c.result.currentTime);
      if (Math.abs(c.input.currentTime - c.result.currentTime) > 0.1) {
        try { c.input.currentTime = c.result.currentTime; } catch (e) { /* not seekable yet */ }
      }
    });
  }

  function teardownCompare() {
    var c = state.compare;
    state.compare = null;
    if (c) {
      [c.input, c.result].forEach(function (v) {
        v.pause();
        v.removeAttribute('src');
        try { v.load(); } catch (e) { /* gone */ }
        v.remove();
      });
    }
    $('compare').dataset.ready = 'false';
    $('compare').style.removeProperty('--ar');
    renderView();
  }

  /** Compare view or side by side, as chosen; side by side when there is nothing to compare. */
  function renderView() {
    var c = state.compare;
    var on = !!c && state.view === 'compare';
    $('view-switch').hidden = !c;
    $('compare').hidden = !on;
    $('previews').hidden = on;
    Array.prototype.forEach.call(document.querySelectorAll('.vbtn'), function (b) {
      var me = b.dataset.view === (on ? 'compare' : 'side');
      b.classList.toggle('is-on', me);
      b.setAttribute('aria-pressed', String(me));
    });
    var rv = $('result-video'), iv = $('input-video');
    if (on) {
      // Nothing plays where it can't be seen.
      [rv, iv].forEach(function (v) { if (v) { v.autoplay = false; v.pause(); } });
    } else {
      if (c) setPlaying(false);
      if (rv && c) rv.play().catch(function () {});
    }
  }

  /** The divider at `pct` percent from the left (the original shows left of it). */
  function setSplit(pct) {
    pct = Math.max(0, Math.min(100, Math.round(pct)));
    $('cmp-stage').style.setProperty('--split', pct + '%');
    $('cmp-stage').dataset.split = String(pct);
    var slider = $('cmp-slider');
    if (String(slider.value) !== String(pct)) slider.value = String(pct);
    slider.setAttribute('aria-valuetext', pct + '% original, ' + (100 - pct) + '% result');
  }
  function splitAt(clientX) {
    var r = $('cmp-stage').getBoundingClientRect();
    if (r.width > 0) setSplit((clientX - r.left) / r.width * 100);
  }

  /** Pans and zooms both layers alike, keeping the picture over the whole stage. */
  function applyTransform() {
    var c = state.compare;
    var stage = $('cmp-stage');
    var zoom = c ? c.zoom : 1;
    if (c) {
      var w = stage.clientWidth, h = stage.clientHeight;
      c.x = Math.min(0, Math.max(w - w * zoom, c.x));
      c.y = Math.min(0, Math.max(h - h * zoom, c.y));
    }
    var tf = c && zoom !== 1 ? 'translate(' + c.x + 'px, ' + c.y + 'px) scale(' + zoom + ')' : '';
    Array.prototype.forEach.call(stage.querySelectorAll('.cmp-layer'), function (l) { l.style.transform = tf; });
    stage.classList.toggle('zoomed', zoom > 1);
    stage.dataset.zoom = String(zoom);
    Array.prototype.forEach.call(document.querySelectorAll('.zbtn'), function (b) {
      var me = Number(b.dataset.zoom) === zoom;
      b.classList.toggle('is-on', me);
      b.setAttribute('aria-pressed', String(me));
    });
  }
  /** Zooms to `z`, keeping the stage point (cx, cy) (default: the centre) in place. */
  function setZoom(z, cx, cy) {
    var c = state.compare;
    if (!c) return;
    var stage = $('cmp-stage');
    z = Math.max(1, Math.min(ZOOM_MAX, z));
    if (Math.abs(z - Math.round(z)) < 0.05) z = Math.round(z);
    if (cx == null) { cx = stage.clientWidth / 2; cy = stage.clientHeight / 2; }
    var k = z / c.zoom;
    c.x = cx - (cx - c.x) * k;
    c.y = cy - (cy - c.y) * k;
    c.zoom = z;
    applyTransform();
  }
  function pan(dx, dy) {
    var c = state.compare;
    if (!c || c.zoom <= 1) return;
    c.x += dx; c.y += dy;
    applyTransform();
  }

  function showCompareTime(t) {
    $('cmp-time').value = String(t);
    $('cmp-time-text').textContent = (Math.round(t * 10) / 10).toFixed(1) + ' s';
  }
  /** Both videos to time `t`; `then` once both show that frame. */
  function seekCompare(t, then) {
    var c = state.compare;
    if (!c) return;
    showCompareTime(t);
    var left = 2;
    function one(v) {
      var done = false;
      function ok() {
        if (done) return;
        done = true;
        v.removeEventListener('seeked', ok);
        if (--left === 0 && then) then();
      }
      v.addEventListener('seeked', ok);
      try { v.currentTime = t; } catch (e) { ok(); }
      // A video that can't seek yet still counts after a while.
      setTimeout(ok, 8000);
    }
    one(c.result);
    one(c.input);
  }
  function setPlaying(on) {
    var c = state.compare;
    var btn = $('cmp-play');
    if (c) {
      c.playing = on;
      if (on) {
        try { c.input.currentTime = c.result.currentTime; } catch (e) { /* not seekable yet */ }
        c.result.play().catch(function () {});
        c.input.play().catch(function () {});
      } else {
        c.result.pause();
        c.input.pause();
        if (c.ready) seekCompare(c.result.currentTime);
      }
    }
    btn.textContent = on ? 'Pause' : 'Play';
  }

  function wireCompare() {
    var stage = $('cmp-stage');
    $('cmp-slider').addEventListener('input', function () { setSplit(Number(this.value)); });
    $('cmp-time').addEventListener('input', function () {
      if (state.compare && state.compare.playing) setPlaying(false);
      seekCompare(Number(this.value));
    });
    $('cmp-play').addEventListener('click', function () {
      if (state.compare) setPlaying(!state.compare.playing);
    });
    Array.prototype.forEach.call(document.querySelectorAll('.zbtn'), function (b) {
      b.addEventListener('click', function () { setZoom(Number(b.dataset.zoom)); });
    });
    Array.prototype.forEach.call(document.querySelectorAll('.vbtn'), function (b) {
      b.addEventListener('click', function () { state.view = b.dataset.view; renderView(); });
    });
    var drag = null;
    stage.addEventListener('pointerdown', function (e) {
      var c = state.compare;
      if (!c || (e.pointerType === 'mouse' && e.button !== 0)) return;
      drag = { id: e.pointerId, x: e.clientX, y: e.clientY, ox: c.x, oy: c.y, pan: c.zoom > 1 };
      try { stage.setPointerCapture(e.pointerId); } catch (err) { /* fine without */ }
      if (drag.pan) stage.classList.add('panning');
      else splitAt(e.clientX);
    });
    stage.addEventListener('pointermove', function (e) {
      var c = state.compare;
      if (!drag || !c || e.pointerId !== drag.id) return;
      if (drag.pan) {
        c.x = drag.ox + (e.clientX - drag.x);
        c.y = drag.oy + (e.clientY - drag.y);
        applyTransform();
      } else {
        splitAt(e.clientX);
      }
    });
    function endDrag(e) {
      if (!drag || e.pointerId !== drag.id) return;
      drag = null;
      stage.classList.remove('panning');
    }
    stage.addEventListener('pointerup', endDrag);
    stage.addEventListener('pointercancel', endDrag);
    stage.addEventListener('dblclick', function (e) {
      var c = state.compare;
      if (!c) return;
      var r = stage.getBoundingClientRect();
      setZoom(c.zoom > 1 ? 1 : 2, e.clientX - r.left, e.clientY - r.top);
    });
    // Pinch on a trackpad (and Ctrl + wheel) zooms at the pointer.
    stage.addEventListener('wheel', function (e) {
      var c = state.compare;
      if (!c || !e.ctrlKey) return;
      e.preventDefault();
      var r = stage.getBoundingClientRect();
      setZoom(c.zoom * Math.exp(-e.deltaY * 0.01), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    stage.addEventListener('keydown', function (e) {
      var c = state.compare;
      if (!c) return;
      var step = e.shiftKey ? 120 : 40;
      var k = e.key;
      if (k === 'ArrowLeft' || k === 'ArrowRight') {
        if (c.zoom > 1) pan(k === 'ArrowLeft' ? step : -step, 0);
        else setSplit(Number($('cmp-slider').value) + (k === 'ArrowLeft' ? -5 : 5));
      } else if ((k === 'ArrowUp' || k === 'ArrowDown') && c.zoom > 1) {
        pan(0, k === 'ArrowUp' ? step : -step);
      } else if (k === '+' || k === '=') {
        setZoom(c.zoom * 2);
      } else if (k === '-') {
        setZoom(c.zoom / 2);
      } else if (k === '0') {
        setZoom(1);
      } else if (k === ' ' || k === 'k') {
        setPlaying(!c.playing);
      } else {
        return;
      }
      e.preventDefault();
    });
    window.addEventListener('resize', function () { applyTransform(); });
    // The stage's size changes with its shape (once the result is read) and the window.
    if (window.ResizeObserver) new ResizeObserver(function () { applyTransform(); }).observe(stage);
  }

  /** Keeps the input video roughly in step with the result. */
  function syncVideos(result) {
    var input = $('input-video');
    if (!input) return;
    function align() {
      var i = $('input-video');
      if (!i || !isFinite(result.currentTime)) return;
      if (Math.abs(i.currentTime - result.currentTime) > 0.25) {
        try { i.currentTime = result.currentTime; } catch (e) { /* not seekable yet */ }
      }
    }
    result.addEventListener('play', function () { var i = $('input-video'); if (i) { align(); i.play().catch(function () {}); } });
    result.addEventListener('pause', function () { var i = $('input-video'); if (i) i.pause(); });
    result.addEventListener('seeked', align);
  }

  function cancelJob() {
    var job = state.job;
    if (!job || TERMINAL[job.status]) return;
    $('cancel').disabled = true;
    $('stage-text').textContent = 'Canceling…';
    api('v1/jobs/' + encodeURIComponent(job.id) + '/cancel', { method: 'POST', idempotencyKey: newIdempotencyKey() }).then(function (res) {
      var j = res && (res.job || (res.id ? res : null));
      if (j && j.status) showJob(j);
    }, function (err) {
      $('cancel').disabled = false;
      showAlert(err);
    });
  }

  function resumeJob() {
    var id = load(STORE.job, null);
    if (!id || state.job) return;
    api('v1/jobs/' + encodeURIComponent(id)).then(function (job) {
      if (state.job) return;
      showJob(job);
      if (!TERMINAL[job.status]) follow(job.id); else save(STORE.job, null);
    }, function () { save(STORE.job, null); });
  }

  // ---------------------------------------------------------------- thumbnails
  // A small frame of each finished job's result, drawn over a checkerboard
  // (a transparent result shows as such), kept in this browser.
  var THUMB_W = 128, THUMB_H = 80, THUMB_KEEP = 30, THUMB_LOOK = 12;
  var THUMB_KIND = { webm: 'video', mp4: 'video', gif: 'image', webp: 'image' };

  function loadThumbCache() {
    var t;
    try { t = JSON.parse(load(STORE.thumbs, '{}')); } catch (e) { t = null; }
    if (!t || typeof t !== 'object') return;
    Object.keys(t).forEach(function (id) {
      if (typeof t[id] === 'string' && /^data:image\/(jpeg|png|webp);base64,/.test(t[id])) state.thumbs[id] = t[id];
    });
  }
  function saveThumbCache() {
    var keep = {}, n = 0;
    var ids = state.jobs.map(function (j) { return j.id; });
    if (state.job && ids.indexOf(state.job.id) < 0) ids.unshift(state.job.id);
    ids.forEach(function (id) {
      var t = state.thumbs[id];
      if (n < THUMB_KEEP && t && t.indexOf('data:') === 0) { keep[id] = t; n++; }
    });
    save(STORE.thumbs, JSON.stringify(keep));
  }
  function hasThumb(id) { var t = state.thumbs[id]; return !!t && t.indexOf('data:') === 0; }

  /** Fills a list entry's thumbnail box: the frame, or the format's name. */
  function fillThumb(box, job) {
    box.textContent = '';
    box.setAttribute('aria-hidden', 'true');
    if (hasThumb(job.id)) {
      var img = document.createElement('img');
      img.alt = '';
      img.setAttribute('data-testid', 'job-thumb');
      img.src = state.thumbs[job.id];
      box.appendChild(img);
      box.dataset.state = 'ready';
      return;
    }
    box.dataset.state = state.thumbs[job.id] === 'pending' ? 'loading' : 'none';
    box.textContent = job.status === 'completed' ? (FORMAT_NAME[job.output_format] || '') : job.status === 'processing' ? '…' : '';
  }

  function setThumb(id, url) {
    if (!url && hasThumb(id)) return;
    state.thumbs[id] = url || 'none';
    var box = document.querySelector('.job[data-job-id="' + id + '"] .job-thumb');
    var job = null;
    state.jobs.forEach(function (j) { if (j.id === id) job = j; });
    if (box && job) fillThumb(box, job);
    if (url) saveThumbCache();
  }

  /** A thumbnail (data: URL) of what `el` (a video or image) shows now, or null. */
  function thumbFrom(el, w, h) {
    if (!w || !h) return null;
    try {
      var c = document.createElement('canvas');
      c.width = THUMB_W; c.height = THUMB_H;
      var ctx = c.getContext('2d');
      var cell = 8;
      for (var y = 0; y < THUMB_H; y += cell) {
        for (var x = 0; x < THUMB_W; x += cell) {
          ctx.fillStyle = ((x + y) / cell) % 2 ? '#d9dce5' : '#ffffff';
          ctx.fillRect(x, y, cell, cell);
        }
      }
      var k = Math.max(THUMB_W / w, THUMB_H / h);
      ctx.drawImage(el, (THUMB_W - w * k) / 2, (THUMB_H - h * k) / 2, w * k, h * k);
      return c.toDataURL('image/jpeg', 0.8);
    } catch (e) { return null; }
  }

  /** Loads a frame from the middle (at most 1 s in) of the job's result. */
  function grabThumb(job) {
    var kind = THUMB_KIND[job.output_format];
    var src = localUrl(job.output_url);
    return new Promise(function (resolve) {
      var done = false, el = null;
      var timer = setTimeout(function () { finish(null); }, 30000);
      function finish(url) {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (el && kind === 'video') { el.removeAttribute('src'); try { el.load(); } catch (e) { /* gone */ } }
        resolve(url);
      }
      if (kind === 'image') {
        el = new Image();
        el.onload = function () { finish(thumbFrom(el, el.naturalWidth, el.naturalHeight)); };
        el.onerror = function () { finish(null); };
        el.src = src;
        return;
      }
      el = document.createElement('video');
      el.muted = true; el.playsInline = true; el.preload = 'auto';
      el.onloadeddata = function () {
        var d = el.duration;
        var t = isFinite(d) && d > 0 ? Math.min(d / 2, 1) : 0;
        if (t < 0.05) { finish(thumbFrom(el, el.videoWidth, el.videoHeight)); return; }
        el.onseeked = function () { finish(thumbFrom(el, el.videoWidth, el.videoHeight)); };
        el.currentTime = t;
      };
      el.onerror = function () { finish(null); };
      el.src = src;
    });
  }

  /** Grabs the missing thumbnails of the newest finished jobs, two at a time. */
  function queueThumbs() {
    state.jobs.slice(0, THUMB_LOOK).forEach(function (job) {
      if (job.status !== 'completed' || !job.output_url || !THUMB_KIND[job.output_format] || state.thumbs[job.id]) return;
      // The job on screen gets its thumbnail from the result being loaded for it.
      if (state.job && state.job.id === job.id && (state.previewCtrl || (state.compare && state.compare.jobId === job.id))) return;
      state.thumbs[job.id] = 'pending';
      state.thumbQueue.push(job);
    });
    while (state.thumbBusy < 2 && state.thumbQueue.length) {
      var job = state.thumbQueue.shift();
      state.thumbBusy++;
      grabThumb(job).then(function (id, url) {
        state.thumbBusy--;
        setThumb(id, url);
        queueThumbs();
      }.bind(null, job.id));
    }
  }

  // ---------------------------------------------------------------- recent jobs
  function loadJobs() {
    if (!state.key || !state.keyOk) return;
    clearTimeout(state.jobsTimer);
    api('v1/jobs?limit=20').then(function (res) {
      state.jobs = (res.jobs || []).map(pageJob).map(fresher);
      renderJobs(res.total);
      var cur = state.job;
      state.jobs.forEach(function (j) {
        if (cur && j.id === cur.id && j !== cur && state.follow && state.follow.id === j.id) showJob(j);
      });
      // Keep the list fresh while something in it is still running.
      if (state.jobs.some(function (j) { return !TERMINAL[j.status]; })) {
        state.jobsTimer = setTimeout(loadJobs, 5000);
      }
    }, function (err) {
      $('jobs-empty').textContent = 'Couldn’t load your jobs: ' + friendly(err).title;
      $('jobs-empty').hidden = false;
    });
  }

  var STATUS_RANK = { created: 0, processing: 1, completed: 2, failed: 2, canceled: 2 };
  /** The job on screen is shown in the list as the progress bar shows it
   *  (both follow its event stream), unless the list already has it further
   *  along (finished): then both show the list's. */
  function fresher(listed) {
    var cur = state.job;
    if (!cur || cur.id !== listed.id) return listed;
    return (STATUS_RANK[listed.status] || 0) > (STATUS_RANK[cur.status] || 0) ? listed : cur;
  }

  function renderJobs(total) {
    var list = $('jobs');
    list.textContent = '';
    var empty = $('jobs-empty');
    if (!state.jobs.length) {
      empty.textContent = 'No jobs yet — your processed videos will be listed here.';
      empty.hidden = false;
      return;
    }
    empty.hidden = true;
    state.jobs.forEach(function (job) { list.appendChild(jobRow(job)); });
    if (total > state.jobs.length) {
      var more = document.createElement('li');
      more.className = 'muted';
      more.style.fontSize = '.85rem';
      more.textContent = 'Showing the latest ' + state.jobs.length + ' of ' + number(total) + ' jobs.';
      list.appendChild(more);
    }
    markCurrentInList();
    queueThumbs();
  }

  /** The progress shown for a job, the same number in the bar and in the list. */
  function jobPercent(job) {
    return job.status === 'completed' ? 100 : Math.round(Math.max(0, Math.min(100, job.progress || 0)));
  }

  /** One entry of the recent-jobs list. */
  function jobRow(job) {
    var li = document.createElement('li');
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'job';
    b.dataset.jobId = job.id;
    b.dataset.status = job.status;
    b.setAttribute('data-testid', 'job-item');
    var thumb = document.createElement('span');
    thumb.className = 'job-thumb';
    thumb.setAttribute('data-testid', 'job-thumb-box');
    fillThumb(thumb, job);
    var chip = document.createElement('span');
    chip.className = 'chip s-' + job.status;
    chip.textContent = STATUS_TEXT[job.status] || job.status;
    var main = document.createElement('span');
    main.className = 'job-main';
    var title = document.createElement('span');
    title.className = 'job-title';
    title.textContent = (MODEL_NAME[job.model] || job.model) + ' · ' + (FORMAT_NAME[job.output_format] || job.output_format) + ' · ' + bgLabel(job) +
      (job.preview ? ' · ' + previewLabel(job) : '');
    var sub = document.createElement('span');
    sub.className = 'job-sub';
    var subBits = [job.id];
    if (job.duration_seconds) subBits.push(duration(job.duration_seconds));
    if (job.width && job.height) subBits.push(job.width + '×' + job.height);
    if (job.status === 'failed' && job.error) subBits.push(job.error);
    sub.textContent = subBits.join(' · ');
    var pctText = '';
    if (job.status === 'processing') {
      var pct = document.createElement('span');
      pct.className = 'job-pct';
      pct.setAttribute('data-testid', 'job-progress');
      pct.dataset.progress = String(jobPercent(job));
      pctText = jobPercent(job) + '%';
      pct.textContent = ' · ' + pctText;
      sub.appendChild(pct);
    }
    main.appendChild(title); main.appendChild(sub);
    var time = document.createElement('time');
    time.className = 'job-time';
    time.dateTime = job.created_at || '';
    time.title = job.created_at ? new Date(job.created_at).toLocaleString() : '';
    time.textContent = ago(job.created_at);
    b.appendChild(thumb); b.appendChild(chip); b.appendChild(main); b.appendChild(time);
    b.setAttribute('aria-label', title.textContent + ', ' + chip.textContent + (pctText ? ' ' + pctText : '') + ', ' + time.textContent);
    b.addEventListener('click', function () { openJob(job.id); });
    li.appendChild(b);
    return li;
  }

  /** The list entry of a job follows the same updates as the progress bar. */
  function updateJobRow(job) {
    var i = -1;
    state.jobs.forEach(function (j, k) { if (j.id === job.id) i = k; });
    if (i < 0) return;
    state.jobs[i] = job;
    var old = document.querySelector('.job[data-job-id="' + job.id + '"]');
    if (!old) return;
    var li = jobRow(job);
    var focused = document.activeElement === old;
    old.parentNode.replaceWith(li);
    if (focused) li.firstChild.focus();
    markCurrentInList();
    queueThumbs();
  }

  function markCurrentInList() {
    var id = state.job && state.job.id;
    Array.prototype.forEach.call(document.querySelectorAll('.job'), function (el) {
      el.classList.toggle('current', el.dataset.jobId === id);
      if (el.dataset.jobId === id) el.setAttribute('aria-current', 'true'); else el.removeAttribute('aria-current');
    });
  }

  function openJob(id) {
    api('v1/jobs/' + encodeURIComponent(id)).then(function (job) {
      stopFollowing();
      showJob(job);
      if (!TERMINAL[job.status]) follow(job.id);
      scrollToResult();
    }, function (err) { showAlert(err); });
  }

  // ---------------------------------------------------------------- wiring
  function wire() {
    $('key-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var key = $('key-input').value.trim();
      if (!key) {
        setKeyStatus('Paste your API key first.', 'bad');
        $('key-input').focus();
        return;
      }
      clearAlerts('invalid_api_key');
      checkKey(key, true);
      $('key-forget').hidden = false;
    });
    $('key-toggle').addEventListener('click', function () {
      var input = $('key-input');
      var show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      this.setAttribute('aria-pressed', String(show));
      this.setAttribute('aria-label', show ? 'Hide the key' : 'Show the key');
      this.title = show ? 'Hide the key' : 'Show the key';
    });
    $('key-forget').addEventListener('click', function () {
      save(STORE.key, null);
      save(STORE.job, null);
      save(STORE.thumbs, null);
      state.thumbs = {};
      state.jobs = [];
      state.key = ''; state.keyOk = false;
      $('key-input').value = '';
      $('credits').hidden = true;
      $('jobs').textContent = '';
      $('jobs-empty').textContent = 'Enter your key to see your jobs.';
      $('jobs-empty').hidden = false;
      setKeyStatus('The key was removed from this browser.', '');
      this.hidden = true;
      compactKey(false);
      renderKeyChip();
      updateStart();
    });
    $('key-collapse').addEventListener('click', function () {
      compactKey(false);
      $('key-forget').hidden = !state.key;
      $('key-input').focus();
    });
    $('key-chip').addEventListener('click', function () {
      compactKey(false);
      $('key-forget').hidden = !state.key;
      $('key-card').scrollIntoView({ behavior: scrollBehavior(), block: 'start' });
      $('key-input').focus({ preventScroll: true });
    });

    var zone = $('dropzone');
    var depth = 0;
    zone.addEventListener('dragenter', function (e) { e.preventDefault(); depth++; zone.classList.add('dragging'); });
    zone.addEventListener('dragover', function (e) { e.preventDefault(); if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy'; });
    zone.addEventListener('dragleave', function () { if (--depth <= 0) { depth = 0; zone.classList.remove('dragging'); } });
    zone.addEventListener('drop', function (e) {
      e.preventDefault();
      depth = 0;
      zone.classList.remove('dragging');
      var files = e.dataTransfer && e.dataTransfer.files;
      if (files && files.length) handleFile(files[0]);
    });
    // A file dropped anywhere else on the page shouldn't navigate away from it.
    window.addEventListener('dragover', function (e) { e.preventDefault(); });
    window.addEventListener('drop', function (e) {
      e.preventDefault();
      var files = e.dataTransfer && e.dataTransfer.files;
      if (files && files.length && !zone.contains(e.target)) handleFile(files[0]);
    });
    $('file-input').addEventListener('change', function () {
      if (this.files && this.files.length) handleFile(this.files[0]);
      this.value = '';
    });
    $('upload-change').addEventListener('click', function () { $('file-input').click(); });
    $('model-tip-use').addEventListener('click', function () {
      setRadio('model', 'human');
      onOptionsChanged();
      $('model-human').focus();
    });

    Array.prototype.forEach.call(document.querySelectorAll('input[name=model], input[name=format], input[name=bg], input[name=fit], input[name=anchor]'), function (el) {
      el.addEventListener('change', onOptionsChanged);
    });
    $('color-input').addEventListener('input', onOptionsChanged);
    $('prompt-input').addEventListener('input', saveOptions);
    $('blur-input').addEventListener('input', onOptionsChanged);
    $('bg-image-input').addEventListener('change', function () {
      if (this.files && this.files.length) handleBgImage(this.files[0]);
      this.value = '';
    });

    $('comp-on').addEventListener('change', onOptionsChanged);
    $('canvas-on').addEventListener('change', function () {
      // A first canvas starts at the video's size (or full HD), to be edited from there.
      if (this.checked && !$('canvas-w').value && !$('canvas-h').value) {
        var v = state.video;
        $('canvas-w').value = String(v && v.width ? v.width : 1920);
        $('canvas-h').value = String(v && v.height ? v.height : 1080);
      }
      onOptionsChanged();
    });
    ['canvas-w', 'canvas-h', 'offset-x', 'offset-y'].forEach(function (id) {
      $(id).addEventListener('input', function () {
        if (id === 'canvas-w' || id === 'canvas-h') $('canvas-preset').value = '';
        onOptionsChanged();
      });
    });
    $('canvas-preset').addEventListener('change', function () {
      var m = /^(\d+)x(\d+)$/.exec(this.value);
      if (!m) return;
      $('canvas-w').value = m[1];
      $('canvas-h').value = m[2];
      onOptionsChanged();
    });
    $('scale-range').addEventListener('input', function () {
      $('scale-input').value = String(scaleFromRange());
      onOptionsChanged();
    });
    $('scale-input').addEventListener('input', function () {
      syncScaleRange();
      onOptionsChanged();
    });
    $('comp-reset').addEventListener('click', function () {
      setRadio('anchor', 'center');
      $('scale-input').value = '1';
      syncScaleRange();
      $('offset-x').value = '0';
      $('offset-y').value = '0';
      onOptionsChanged();
    });

    $('start').addEventListener('click', function () { startJob(false); });
    $('preview').addEventListener('click', function () { startJob(true); });
    $('run-full').addEventListener('click', function () { startJob(false); });
    $('cancel').addEventListener('click', cancelJob);
    $('again').addEventListener('click', function () {
      document.querySelector('.workspace .card').scrollIntoView({ behavior: scrollBehavior(), block: 'start' });
    });
    $('jobs-refresh').addEventListener('click', function () {
      if (!state.key) { showAlert({ code: 'missing_api_key', title: 'Enter your API key first.', detail: 'Your jobs are listed per key.' }); return; }
      loadJobs();
      refreshCredits();
    });

    Array.prototype.forEach.call(document.querySelectorAll('.bgbtn'), function (b) {
      b.addEventListener('click', function () {
        var bg = b.dataset.bg;
        state.previewBg = bg;
        [$('result-box'), $('cmp-stage')].forEach(function (box) {
          box.classList.remove('checker', 'bg-white', 'bg-black', 'bg-pink');
          box.classList.add(bg === 'checker' ? 'checker' : 'bg-' + bg);
        });
        Array.prototype.forEach.call(document.querySelectorAll('.bgbtn'), function (o) {
          o.classList.toggle('is-on', o.dataset.bg === bg);
          o.setAttribute('aria-pressed', String(o.dataset.bg === bg));
        });
      });
    });

    // Relative times in the list stay current.
    setInterval(function () {
      Array.prototype.forEach.call(document.querySelectorAll('.job-time'), function (t) {
        if (t.dateTime) t.textContent = ago(t.dateTime);
      });
    }, 30000);
  }

  function init() {
    measureHeader();
    window.addEventListener('resize', measureHeader);
    if (window.ResizeObserver) {
      new ResizeObserver(measureHeader).observe(document.querySelector('.topbar'));
      new ResizeObserver(fitResultCard).observe(document.querySelector('.result-card'));
    }
    loadThumbCache();
    wire();
    wireCompare();
    restoreOptions();
    onOptionsChanged();
    var key = load(STORE.key, '');
    if (key) {
      $('key-input').value = key;
      $('key-forget').hidden = false;
      checkKey(key, false);
    } else {
      updateStart();
    }
  }

  init();
})();
