// The login screen: asks for an API token (id + secret) once per browser tab, checks it with
// one API call and hands it to onLogin(token). Nothing is stored before the server accepted it.

import { checkToken } from './api.js';
import { h, setText } from './dom.js';

export function loginView({ onLogin, message = '' }) {
  const id = h('input', { id: 'token-id', name: 'token_id', autocomplete: 'username',
                          spellcheck: 'false', autocapitalize: 'off', required: true,
                          placeholder: 'tok_…' });
  const secret = h('input', { id: 'token-secret', name: 'token_secret', type: 'password',
                              autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', role: 'alert', id: 'login-error' });
  const submit = h('button', { type: 'submit', class: 'btn primary wide' }, 'Sign in');
  setText(error, message);

  const form = h('form', { class: 'card login', novalidate: true },
                 h('h1', {}, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'steadycast'),
                 h('p', { class: 'muted' },
                   'Sign in with an API token. The server\'s data directory holds the admin ' +
                   'token (', h('code', {}, 'admin-token.json'), '); ',
                   h('code', {}, 'steadycast token create'), ' makes more.'),
                 h('label', { for: 'token-id' }, 'Token id'), id,
                 h('label', { for: 'token-secret' }, 'Token secret'), secret,
                 error, submit);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const token = { id: id.value.trim(), secret: secret.value.trim() };
    if (!token.id || !token.secret) {
      setText(error, 'Enter the token id and its secret.');
      return;
    }
    submit.disabled = true;
    setText(submit, 'Checking…');
    setText(error, '');
    try {
      if (await checkToken(token)) {
        onLogin(token);
        return;
      }
      setText(error, 'Wrong token: the server did not accept this id and secret.');
      secret.value = '';
      secret.focus();
    } catch (err) {
      setText(error, err.status === 429
        ? 'Too many attempts: wait a few seconds and try again.'
        : `Cannot sign in: ${err.message}`);
    } finally {
      submit.disabled = false;
      setText(submit, 'Sign in');
    }
  });

  return { el: h('main', { class: 'login-page' }, form), destroy() {} };
}
