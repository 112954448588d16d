// Stepwise WebAuthn pages. The server renders each ceremony as a form with
// its options in a JSON data block; this script runs the ceremony with
// @simplewebauthn/browser and posts the result through the same form, so
// CSRF protection and error pages work as for every other form.
(function () {
  'use strict';
  var lib = window.SimpleWebAuthnBrowser;
  var MESSAGES = {
    NotAllowedError: 'The request was cancelled or timed out. Try again.',
    InvalidStateError: 'This authenticator is already registered.',
    SecurityError: 'This page’s address does not match the passkey settings of the server.',
    NotSupportedError: 'This browser or authenticator does not support this kind of passkey.',
  };

  function showError(form, error) {
    var box = form.querySelector('[data-webauthn-error]');
    if (!box) return;
    box.textContent = MESSAGES[error && error.name] || 'Your passkey or security key could not be used. Try again.';
    box.hidden = false;
  }

  function run(form, autofill) {
    var options = JSON.parse(form.querySelector('script[type="application/json"]').textContent);
    var ceremony = form.getAttribute('data-webauthn') === 'register'
      ? lib.startRegistration({ optionsJSON: options })
      : lib.startAuthentication({ optionsJSON: options, useBrowserAutofill: autofill });
    return ceremony.then(function (result) {
      form.elements.response.value = JSON.stringify(result);
      form.submit();
    }, function (error) {
      // Autofill waits quietly in the background; only a click reports failure.
      if (!autofill) showError(form, error);
    });
  }

  function start() {
    if (!lib || !lib.browserSupportsWebAuthn()) {
      document.querySelectorAll('[data-webauthn-unsupported]').forEach(function (node) { node.hidden = false; });
      return;
    }
    document.querySelectorAll('form[data-webauthn]').forEach(function (form) {
      form.addEventListener('submit', function (event) {
        if (form.elements.response.value) return;
        event.preventDefault();
        run(form, false);
      });
      if (form.hasAttribute('data-autofill')) {
        lib.browserSupportsWebAuthnAutofill().then(function (supported) { if (supported) run(form, true); });
      }
    });
    document.documentElement.setAttribute('data-webauthn-ready', 'true');
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
