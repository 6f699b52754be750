// The live stream settings form, for "New stream" (POST) and "Edit" (PATCH of the changed
// fields only). The display name is the metadata key "name"; other metadata is edited as
// `key=value` lines. Validation problems from the API are shown beside their fields.

import { h, replace, setText } from './dom.js';

function select(name, options, value) {
  return h('select', { name, id: `f-${name}` },
           options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

function row(name, label, control, hint) {
  return h('div', { class: 'form-row', dataset: { row: name } },
           h('label', { for: `f-${name}` }, label), control,
           hint ? h('p', { class: 'hint', text: hint }) : null,
           h('p', { class: 'field-error', dataset: { errorFor: name } }));
}

function metadataText(metadata) {
  return Object.entries(metadata || {})
    .filter(([k]) => k !== 'name')
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

// `key=value` lines → object; throws with the first bad line.
function parseMetadata(text) {
  const out = {};
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`line ${i + 1}: write key=value`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

// stream: the current object when editing, null when creating.
// onSubmit(body) → Promise; a rejected ApiError is shown in the form.
export function streamForm({ stream = null, onSubmit, onCancel }) {
  const editing = Boolean(stream);
  const s = stream || { reconnect_window: 60, latency_mode: 'standard', ladder: 'default',
                        slate: true, takeover: 'silent-only', metadata: {},
                        srt_passphrase: null, srt_latency_ms: null };
  const ladderKind = Array.isArray(s.ladder) ? 'custom' : s.ladder;
  const f = {
    name: h('input', { name: 'name', id: 'f-name', maxlength: '255',
                       value: (s.metadata && s.metadata.name) || '',
                       placeholder: 'e.g. Main stage' }),
    reconnect_window: h('input', { name: 'reconnect_window', id: 'f-reconnect_window',
                                   type: 'number', min: '0', max: '1800', step: '1',
                                   inputmode: 'numeric', value: String(s.reconnect_window) }),
    latency_mode: select('latency_mode', [['standard', 'standard'], ['low', 'low (LL-HLS)']],
                         s.latency_mode),
    ladder: select('ladder', [['default', 'default (ABR ladder)'],
                              ['passthrough', 'passthrough (source only)'],
                              ['custom', 'custom rungs']], ladderKind),
    rungs: h('textarea', { name: 'rungs', id: 'f-rungs', rows: '3', spellcheck: 'false',
                           placeholder: '[{"height": 720, "video_kbps": 3000}]' }),
    slate: h('input', { name: 'slate', id: 'f-slate', type: 'checkbox', checked: s.slate }),
    takeover: select('takeover', [['silent-only', 'only a silent or lost publisher'],
                                  ['newest', 'the newest publisher always']], s.takeover),
    playback_policy: select('playback_policy', [['public', 'public'],
                                                ['signed', 'signed (JWT)']], 'public'),
    srt_passphrase: h('input', { name: 'srt_passphrase', id: 'f-srt_passphrase',
                                 type: 'password', autocomplete: 'new-password',
                                 minlength: '10', maxlength: '79' }),
    no_passphrase: h('input', { name: 'no_passphrase', id: 'f-no_passphrase',
                                type: 'checkbox' }),
    srt_latency_ms: h('input', { name: 'srt_latency_ms', id: 'f-srt_latency_ms', type: 'number',
                                 min: '20', max: '10000', inputmode: 'numeric',
                                 value: s.srt_latency_ms == null ? '' : String(s.srt_latency_ms),
                                 placeholder: 'server default' }),
    metadata: h('textarea', { name: 'metadata', id: 'f-metadata', rows: '3', spellcheck: 'false',
                              placeholder: 'event=launch\nregion=eu' }),
  };
  f.rungs.value = Array.isArray(s.ladder) ? JSON.stringify(s.ladder) : '';
  f.metadata.value = metadataText(s.metadata);
  const rungsRow = row('rungs', 'Rungs (JSON)', f.rungs);
  const syncLadder = () => {
    rungsRow.hidden = f.ladder.value !== 'custom';
  };
  f.ladder.addEventListener('change', syncLadder);
  syncLadder();

  const general = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'btn primary' },
                   editing ? 'Save changes' : 'Create stream');
  const cancel = h('button', { type: 'button', class: 'btn ghost' }, 'Cancel');
  cancel.addEventListener('click', () => onCancel && onCancel());

  const passphraseHint = editing && s.srt_passphrase
    ? 'Set: leave empty to keep it.' : 'Optional, 10–79 characters: SRT callers must use it.';
  const form = h('form', { class: 'stream-form', novalidate: true },
    row('name', 'Name', f.name),
    h('div', { class: 'form-grid' },
      row('reconnect_window', 'Reconnect window (s)', f.reconnect_window,
          'How long a dropped encoder may take to return (0–1800).'),
      row('latency_mode', 'Latency mode', f.latency_mode),
      row('ladder', 'Ladder', f.ladder),
      row('takeover', 'Takeover', f.takeover),
      editing ? null : row('playback_policy', 'Playback policy', f.playback_policy),
      row('srt_latency_ms', 'SRT latency (ms)', f.srt_latency_ms)),
    rungsRow,
    h('div', { class: 'form-row check', dataset: { row: 'slate' } }, f.slate,
      h('label', { for: 'f-slate' }, 'Show a slate while the encoder reconnects'),
      h('p', { class: 'field-error', dataset: { errorFor: 'slate' } })),
    row('srt_passphrase', 'SRT passphrase', f.srt_passphrase, passphraseHint),
    editing && s.srt_passphrase
      ? h('div', { class: 'form-row check' }, f.no_passphrase,
          h('label', { for: 'f-no_passphrase' }, 'Remove the passphrase (no encryption)'))
      : null,
    row('metadata', 'Metadata (key=value per line)', f.metadata),
    general,
    h('div', { class: 'dialog-actions' }, cancel, submit));

  function showErrors(e) {
    for (const el of form.querySelectorAll('.field-error')) setText(el, '');
    for (const el of form.querySelectorAll('.invalid')) el.classList.remove('invalid');
    const rest = [];
    for (const { field, message } of (e && e.fieldErrors) || []) {
      const name = String(field).split(/[.[]/)[0];
      const target = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      if (target) {
        setText(target, `${field}: ${message}`);
        const input = f[name];
        if (input) input.classList.add('invalid');
      } else {
        rest.push(`${field}: ${message}`);
      }
    }
    replace(general, e ? (rest.length ? rest.join('; ') : (e.fieldErrors.length ? '' :
      e.message)) : '');
  }

  function collect() {
    const metadata = parseMetadata(f.metadata.value);
    const name = f.name.value.trim();
    if (name) metadata.name = name;
    const body = {
      reconnect_window: Number(f.reconnect_window.value),
      latency_mode: f.latency_mode.value,
      ladder: f.ladder.value === 'custom' ? JSON.parse(f.rungs.value || '[]') : f.ladder.value,
      slate: f.slate.checked,
      takeover: f.takeover.value,
      srt_latency_ms: f.srt_latency_ms.value === '' ? null : Number(f.srt_latency_ms.value),
      metadata,
    };
    if (f.srt_passphrase.value) body.srt_passphrase = f.srt_passphrase.value;
    if (editing && f.no_passphrase.checked) body.srt_passphrase = null;
    if (!editing) {
      body.playback_policy = f.playback_policy.value;
      return body;
    }
    // PATCH only what changed.
    const changes = {};
    for (const [key, value] of Object.entries(body)) {
      if (JSON.stringify(value) !== JSON.stringify(stream[key])) changes[key] = value;
    }
    return changes;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let body;
    try {
      body = collect();
    } catch (err) {
      showErrors({ fieldErrors: [], message: `Check the form: ${err.message}` });
      return;
    }
    submit.disabled = true;
    try {
      await onSubmit(body);
    } catch (err) {
      showErrors(err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
