// The demo shop's own code: a pretend sign-in kept in sessionStorage, and the token provider
// that the Tetap script tag names in data-auth. A real site mints tokens on its server.
(function () {
  'use strict';
  var KEY = 'demo-shop-customer';

  function customer() {
    try { return JSON.parse(sessionStorage.getItem(KEY)); } catch (e) { return null; }
  }

  function render() {
    var who = customer();
    document.getElementById('sign-in').hidden = !!who;
    document.getElementById('signed-in').hidden = !who;
    if (who) { document.getElementById('who').textContent = who.name || who.sub; }
  }

  window.demoShop = {
    getToken: function () {
      var who = customer();
      if (!who) { return Promise.resolve(null); }
      return fetch('/demo/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(who)
      }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) { return body && body.token; });
    }
  };

  document.addEventListener('DOMContentLoaded', function () {
    document.getElementById('sign-in').addEventListener('submit', function (event) {
      event.preventDefault();
      sessionStorage.setItem(KEY, JSON.stringify({
        sub: document.getElementById('sub').value.trim(),
        name: document.getElementById('name').value.trim()
      }));
      render();
      if (window.Tetap && window.Tetap.setAuthTokenProvider) {
        window.Tetap.setAuthTokenProvider(window.demoShop.getToken);
      }
    });
    document.getElementById('sign-out').addEventListener('click', function () {
      sessionStorage.removeItem(KEY);
      if (window.Tetap && window.Tetap.logout) { window.Tetap.logout(); }
      render();
    });
    render();
  });
})();
