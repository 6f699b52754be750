// Small shared widgets: status badges, copy buttons, secret fields (hidden until "Show"),
// modal dialogs with a confirmation variant, and toasts.

import { h, replace, setText } from './dom.js';

const kStatusText = {
  idle: 'idle', active: 'active', reconnecting: 'reconnecting', disabled: 'disabled',
};

export function statusBadge(status) {
  const el = h('span', { class: 'badge', role: 'status' });
  setBadge(el, status);
  return el;
}

export function setBadge(el, status) {
  const known = Object.hasOwn(kStatusText, status) ? status : 'unknown';
  if (el.dataset.status === known && el.textContent) return;
  el.dataset.status = known;
  setText(el, kStatusText[known] || String(status || 'unknown'));
}

// Copies through the async clipboard API where the page is a secure context, else through a
// temporary textarea (plain http to a LAN address).
export async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // fall through
    }
  }
  const area = h('textarea', { class: 'offscreen', readonly: true, 'aria-hidden': 'true' });
  area.value = text;
  document.body.appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

// A "Copy" button; getValue() is read at click time (secrets are never put in the DOM for it).
export function copyButton(getValue, label = 'Copy') {
  const button = h('button', { type: 'button', class: 'btn small ghost copy' }, label);
  button.addEventListener('click', async () => {
    const ok = await copyText(getValue());
    setText(button, ok ? 'Copied' : 'Copy failed');
    setTimeout(() => setText(button, label), 1500);
  });
  return button;
}

export const kMask = '••••••••••••';

// Replaces every secret inside `text` by the mask.
export function maskSecrets(text, secrets) {
  let out = String(text);
  for (const s of secrets) if (s) out = out.split(s).join(kMask);
  return out;
}

// A labelled value that may hold secrets: shown masked until "Show" is clicked; "Copy"
// always copies the real value. The real text enters the DOM only once shown.
//   secretField({label, value, secrets: [key], multiline, name})
export function secretField({ label, value, secrets = [], multiline = false, name = '' }) {
  const hasSecret = secrets.some((s) => s && String(value).includes(s));
  const code = h(multiline ? 'pre' : 'code', { class: 'value' });
  let shown = !hasSecret;
  const render = () => setText(code, shown ? value : maskSecrets(value, secrets));
  render();
  const actions = h('div', { class: 'field-actions' });
  if (hasSecret) {
    const toggle = h('button', { type: 'button', class: 'btn small ghost reveal',
                                 'aria-pressed': 'false' }, 'Show');
    toggle.addEventListener('click', () => {
      shown = !shown;
      toggle.setAttribute('aria-pressed', String(shown));
      setText(toggle, shown ? 'Hide' : 'Show');
      render();
    });
    actions.appendChild(toggle);
  }
  actions.appendChild(copyButton(() => value));
  return h('div', { class: ['field', multiline && 'multiline'], dataset: { field: name } },
           h('div', { class: 'field-label' }, label), h('div', { class: 'field-body' }, code,
                                                        actions));
}

// A modal <dialog>; returns {dialog, body, close()}. `onClose` runs once when it closes.
export function modal(title, { onClose, wide = false } = {}) {
  const body = h('div', { class: 'dialog-body' });
  const closeButton = h('button', { type: 'button', class: 'btn ghost small',
                                    'aria-label': 'Close' }, '✕');
  const dialog = h('dialog', { class: ['dialog', wide && 'wide'] },
                   h('header', { class: 'dialog-head' }, h('h2', { text: title }), closeButton),
                   body);
  closeButton.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (onClose) onClose();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  return { dialog, body, close: () => dialog.close() };
}

// Resolves true when the user confirms.
export function confirmDialog({ title, message, confirmLabel = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    let result = false;
    const { body, close } = modal(title, { onClose: () => resolve(result) });
    const ok = h('button', { type: 'button', class: ['btn', danger ? 'danger' : 'primary'],
                             dataset: { confirm: 'yes' } }, confirmLabel);
    const cancel = h('button', { type: 'button', class: 'btn ghost' }, 'Cancel');
    ok.addEventListener('click', () => {
      result = true;
      close();
    });
    cancel.addEventListener('click', close);
    replace(body, h('p', { text: message }), h('div', { class: 'dialog-actions' }, cancel, ok));
    cancel.focus();
  });
}

let toastHost = null;

// A short message at the bottom of the screen. kind: info | error.
export function toast(message, kind = 'info') {
  if (!toastHost) {
    toastHost = h('div', { class: 'toasts', 'aria-live': 'polite' });
    document.body.appendChild(toastHost);
  }
  const el = h('div', { class: ['toast', kind] }, message);
  toastHost.appendChild(el);
  setTimeout(() => el.remove(), kind === 'error' ? 7000 : 3500);
}

// The message of an error for display (ApiError text, or a generic one).
export function errorText(e) {
  if (!e) return 'Something went wrong.';
  if (e.status === 412) return 'The stream was changed elsewhere; reloaded — try again.';
  return e.message || String(e);
}
