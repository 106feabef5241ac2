/*! Tetap loader. <script src="https://chat.example.com/tetap.js" data-workstream="support"
 * data-auth="auth.getToken" async></script>; also data-relay, data-locale, data-theme, data-color,
 * data-position, data-sound="on" (a short tone for messages while minimised; off by default). API: Tetap.open/close/toggle/setAuthTokenProvider/logout/on/off. To queue calls
 * made before this script runs, put this stub first:
 * <script>window.Tetap=window.Tetap||{q:[]};"open close toggle setAuthTokenProvider logout on off"
 * .split(" ").forEach(function(m){Tetap[m]=Tetap[m]||function(){Tetap.q.push([m,arguments])}})</script>
 * One global (Tetap); no host CSS (style properties only: a host CSP allows them); messages
 * only from our iframe at the relay origin, and only to it. */
(function (w, d) {
  'use strict';
  var old = w.Tetap;
  if (old && old.v) return; // loaded twice
  var me = d.currentScript || d.querySelector('script[data-workstream][src*="tetap.js"]');
  if (!me) return;
  var ds = me.dataset;
  var relay = new URL(ds.relay || me.src, location.href).origin;
  var id = /^id\b/i.test(ds.locale || navigator.language || '');
  var handlers = {};
  var provider = null;
  var frame, launcher, badge, isOpen = false, ready = false, forget = false, asked = false;
  var asking = 0; // numbers token requests: only the latest answer is passed on
  var side = ds.position === 'left' ? 'left' : 'right';
  var color = ds.color || '#2563eb';
  var Z = '2147483000';
  var baseTitle = null, ourTitle = null, audio = null;

  function css(el, styles) {
    for (var k in styles) el.style.setProperty(k, styles[k], 'important');
    return el;
  }
  function emit(name, data) {
    (handlers[name] || []).slice().forEach(function (fn) {
      try { fn(data); } catch (e) { setTimeout(function () { throw e; }); }
    });
  }
  function post(msg) {
    msg.tetap = 1;
    if (frame && frame.contentWindow) frame.contentWindow.postMessage(msg, relay);
  }

  // The token provider: setAuthTokenProvider's, else the global function named by data-auth.
  // Called with no argument it returns the JWT or a Promise of it; declaring a parameter it gets
  // a callback (Dynamics 365 style). null, '' or a failure means "not signed in".
  function authFn() {
    if (provider) return provider;
    if (!ds.auth) return null;
    var owner = w, fn = w;
    ds.auth.split('.').forEach(function (key) { owner = fn; fn = fn == null ? fn : fn[key]; });
    return typeof fn === 'function' ? fn.bind(owner) : null;
  }
  function sendToken() {
    var fn = authFn(), mine = ++asking;
    asked = true;
    new Promise(function (resolve) {
      if (!fn) resolve(null);
      else if (fn.length) fn(resolve);
      else resolve(fn());
    }).then(null, function () { return null; }).then(function (token) {
      // A slow answer to an older request must not replace a newer token (or a logout).
      if (mine === asking) post({ type: 'token', token: typeof token === 'string' && token ? token : null });
    });
  }

  function createFrame() {
    if (frame) return;
    var q = new URLSearchParams({ workstream: ds.workstream || '', host: location.origin });
    ['locale', 'theme', 'color'].forEach(function (k) { if (ds[k]) q.set(k, ds[k]); });
    frame = d.createElement('iframe');
    frame.src = relay + '/widget/?' + q;
    frame.title = id ? 'Obrolan' : 'Chat';
    css(frame, {
      position: 'fixed', bottom: '88px', width: 'min(380px, calc(100vw - 32px))',
      height: 'min(600px, calc(100vh - 104px))', border: '0', 'border-radius': '12px',
      'box-shadow': '0 8px 32px rgba(0,0,0,.25)', 'z-index': Z, display: 'none',
      'color-scheme': 'normal', background: 'transparent', margin: '0', padding: '0'
    });
    frame.style.setProperty(side, '16px', 'important');
    d.body.appendChild(frame);
  }
  function preload() {
    (w.requestIdleCallback || function (f) { setTimeout(f, 2000); })(createFrame);
  }

  // "(3) Shop" while minimised with unread messages; the host's own title otherwise, including
  // one it set meanwhile.
  function setTitle(count) {
    if (ourTitle !== null && d.title !== ourTitle) baseTitle = null;
    if (baseTitle === null) baseTitle = d.title;
    if (count && !isOpen) {
      d.title = ourTitle = '(' + count + ') ' + baseTitle;
    } else {
      if (ourTitle !== null && d.title === ourTitle) d.title = baseTitle;
      ourTitle = baseTitle = null;
    }
  }
  // Web Audio needs no file (and no CSP source); it is created on a click, so it may play.
  function beep() {
    if (!audio || audio.state !== 'running') return;
    var o = audio.createOscillator(), g = audio.createGain(), t = audio.currentTime;
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.1, t);
    g.gain.exponentialRampToValueAtTime(0.0001, t + 0.3);
    o.connect(g);
    g.connect(audio.destination);
    o.start(t);
    o.stop(t + 0.3);
  }

  function setBadge(count) {
    count = Math.max(0, count | 0);
    setTitle(count);
    badge.textContent = count > 99 ? '99+' : String(count);
    css(badge, { display: count ? 'block' : 'none' });
    var label = id ? 'Buka obrolan' : 'Open chat';
    if (count) label += id ? ' (' + count + ' belum dibaca)' : ' (' + count + ' unread)';
    launcher.setAttribute('aria-label', label);
  }

  function open() {
    createFrame();
    if (isOpen) return;
    isOpen = true;
    css(frame, { display: 'block' });
    launcher.setAttribute('aria-expanded', 'true');
    setTitle(0);
    if (ready) { // else all this is done on "ready"
      if (!asked) sendToken();
      post({ type: 'open' });
    }
    frame.focus();
    emit('open');
  }
  function close() {
    if (!isOpen) return;
    isOpen = false;
    css(frame, { display: 'none' });
    launcher.setAttribute('aria-expanded', 'false');
    post({ type: 'close' });
    launcher.focus();
    emit('close');
  }

  w.addEventListener('message', function (e) {
    var m = e.data;
    if (!frame || e.source !== frame.contentWindow || e.origin !== relay) return;
    if (!m || m.tetap !== 1) return;
    switch (m.type) {
      case 'ready':
        ready = true;
        if (forget) post({ type: 'logout' });
        forget = false;
        sendToken();
        if (isOpen) post({ type: 'open' });
        emit('ready');
        break;
      case 'token_request': sendToken(); break;
      case 'unread': setBadge(m.count); emit('unread', { count: m.count }); break;
      case 'message': beep(); emit('message', m.message); break;
      case 'close': close(); break;
      case 'error': emit('error', { code: m.code, message: m.message }); break;
    }
  });

  function drawLauncher() {
    var svg = 'http://www.w3.org/2000/svg';
    launcher = css(d.createElement('button'), {
      position: 'fixed', bottom: '16px', width: '56px', height: '56px', 'border-radius': '50%',
      border: '0', margin: '0', padding: '0', background: color, color: '#fff', cursor: 'pointer',
      'box-shadow': '0 4px 16px rgba(0,0,0,.25)', 'z-index': Z, display: 'flex',
      'align-items': 'center', 'justify-content': 'center'
    });
    launcher.style.setProperty(side, '16px', 'important');
    launcher.type = 'button';
    launcher.setAttribute('aria-expanded', 'false');
    var icon = d.createElementNS(svg, 'svg');
    icon.setAttribute('viewBox', '0 0 24 24');
    icon.setAttribute('width', '28');
    icon.setAttribute('height', '28');
    icon.setAttribute('aria-hidden', 'true');
    var path = d.createElementNS(svg, 'path');
    path.setAttribute('fill', 'currentColor');
    path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z');
    icon.appendChild(path);
    badge = css(d.createElement('span'), {
      position: 'absolute', top: '-4px', right: '-4px', 'min-width': '20px', height: '20px',
      padding: '0 5px', 'border-radius': '10px', background: '#d1242f', color: '#fff',
      font: 'bold 12px/20px sans-serif', 'text-align': 'center', display: 'none',
      'box-sizing': 'border-box'
    });
    badge.setAttribute('aria-hidden', 'true');
    launcher.appendChild(icon);
    launcher.appendChild(badge);
    launcher.addEventListener('click', function () {
      var AC = w.AudioContext || w.webkitAudioContext;
      if (ds.sound === 'on' && !audio && AC) audio = new AC();
      isOpen ? close() : open();
    });
    d.body.appendChild(launcher);
    setBadge(0);
    if (authFn()) preload();
  }

  var impl = {
    open: open,
    close: close,
    toggle: function () { isOpen ? close() : open(); },
    setAuthTokenProvider: function (fn) {
      provider = typeof fn === 'function' ? fn : null;
      if (ready) sendToken();
      else if (provider) preload();
    },
    // The widget's storage is the frame's: load it, hidden, to clear it. The token provider is
    // asked again on the next open.
    logout: function () {
      asked = false;
      asking++; // a token still being fetched belongs to the customer who left
      if (!ready) { forget = true; createFrame(); return; }
      post({ type: 'logout' });
      if (isOpen) sendToken(); // whoever is signed in now, if anyone
    },
    on: function (name, fn) { (handlers[name] = handlers[name] || []).push(fn); },
    off: function (name, fn) {
      handlers[name] = (handlers[name] || []).filter(function (h) { return h !== fn; });
    }
  };
  // Until the launcher is drawn (the body may not exist yet), calls wait in the queue.
  var queue = (old && old.q) || [];
  var api = { v: 1 };
  Object.keys(impl).forEach(function (name) {
    api[name] = function () {
      if (launcher) impl[name].apply(null, arguments);
      else queue.push([name, arguments]);
    };
  });
  w.Tetap = api;

  function start() {
    drawLauncher();
    queue.forEach(function (call) {
      if (impl[call[0]]) impl[call[0]].apply(null, call[1]);
    });
    queue = [];
  }
  if (d.body) start();
  else d.addEventListener('DOMContentLoaded', start);
})(window, document);
