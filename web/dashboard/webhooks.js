// Webhook endpoints and their delivery logs: list, create (the signing secret is shown once,
// masked until "Show"), delete (confirmed), and each endpoint's recent deliveries with a
// "Redeliver" for failed ones. On a stream page the logs show that stream's deliveries (with a
// switch for all); the `#/webhooks` page shows everything. Logs refresh shortly after events.

import { h, replace, setText } from './dom.js';
import { dateTimeOf, timeOf } from './format.js';
import { confirmDialog, errorText, secretField, toast } from './ui.js';

export class WebhooksSection {
  // title: the card's heading ("Webhooks" on a stream page, "Endpoints" on their own page).
  constructor(ctx, { objectId = null, title = 'Webhooks' } = {}) {
    this.ctx = ctx;
    this.objectId = objectId;
    this.onlyThis = Boolean(objectId);
    this.open = new Set();  // endpoint ids with their log expanded
    this.endpoints = [];
    this.list = h('div', { class: 'endpoints' });
    this.status = h('p', { class: 'muted' });
    this.secretBox = h('div', { class: 'secret-once', hidden: true });
    this.destroyed = false;

    const url = h('input', { name: 'url', type: 'url', required: true, id: 'webhook-url',
                             placeholder: 'https://backend.example/steadycast' });
    const events = h('input', { name: 'events', id: 'webhook-events', value: '*',
                                spellcheck: 'false' });
    const error = h('p', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'inline-form', novalidate: true },
                   h('label', { for: 'webhook-url' }, 'Endpoint URL'), url,
                   h('label', { for: 'webhook-events' }, 'Events (comma-separated, * for all)'),
                   events, h('button', { type: 'submit', class: 'btn primary' }, 'Add endpoint'),
                   error);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      setText(error, '');
      const types = events.value.split(',').map((t) => t.trim()).filter(Boolean);
      try {
        const created = await ctx.api.createWebhookEndpoint(url.value.trim(),
                                                            types.length ? types : ['*']);
        url.value = '';
        this.showSecret(created);
        this.load();
      } catch (err) {
        const fields = err.fieldErrors.map((f) => `${f.field}: ${f.message}`).join('; ');
        setText(error, fields || errorText(err));
      }
    });

    const filter = h('input', { type: 'checkbox', id: 'webhook-filter', checked: true });
    filter.addEventListener('change', () => {
      this.onlyThis = filter.checked;
      this.refreshLogs();
    });
    this.el = h('section', { class: 'card webhooks-card', id: 'webhooks' },
      h('header', { class: 'card-head' }, h('h2', { text: title }),
        objectId ? h('label', { class: 'switch' }, filter, ' this stream only') : null),
      this.secretBox, this.list, this.status,
      h('details', { class: 'add-endpoint' }, h('summary', {}, 'Add an endpoint'), form));

    this.unsubscribe = ctx.feed.subscribe(() => this.soon());
    this.timer = setInterval(() => this.refreshLogs(), 10000);
    this.load();
  }

  showSecret(endpoint) {
    this.secretBox.hidden = false;
    const done = h('button', { type: 'button', class: 'btn small' }, 'I have saved it');
    done.addEventListener('click', () => {
      this.secretBox.hidden = true;
      replace(this.secretBox);
    });
    replace(this.secretBox,
      h('p', {}, h('b', {}, 'Signing secret — shown only now. '),
        'Verify each delivery\'s Steadycast-Signature with it.'),
      secretField({ label: 'Secret', value: endpoint.secret, secrets: [endpoint.secret],
                    name: 'webhook-secret' }),
      done);
  }

  // A refresh shortly after events (a burst makes one reload).
  soon() {
    clearTimeout(this.soonTimer);
    this.soonTimer = setTimeout(() => this.refreshLogs(), 1500);
  }

  async load() {
    try {
      this.endpoints = await this.ctx.api.webhookEndpoints();
      if (this.destroyed) return;
      setText(this.status, this.endpoints.length ? '' : 'No webhook endpoints.');
      this.render();
    } catch (e) {
      setText(this.status, `Could not load webhook endpoints: ${errorText(e)}`);
    }
  }

  render() {
    replace(this.list, this.endpoints.map((ep) => {
      const logBox = h('div', { class: 'deliveries', dataset: { endpoint: ep.id } });
      const toggle = h('button', { type: 'button', class: 'btn small ghost' },
                       this.open.has(ep.id) ? 'Hide deliveries' : 'Deliveries');
      toggle.addEventListener('click', () => {
        if (this.open.has(ep.id)) this.open.delete(ep.id); else this.open.add(ep.id);
        this.render();
      });
      const remove = h('button', { type: 'button', class: 'btn small danger-ghost' }, 'Delete');
      remove.addEventListener('click', () => this.remove(ep));
      const breaker = ep.status ? ep.status.breaker : 'closed';
      const el = h('article', { class: 'endpoint', dataset: { id: ep.id } },
        h('div', { class: 'endpoint-head' },
          h('code', { class: 'endpoint-url', text: ep.url }),
          h('span', { class: 'chip', dataset: { breaker }, text: `breaker ${breaker}` }),
          ep.status && ep.status.consecutive_failures
            ? h('span', { class: 'chip warn', text: ep.status.consecutive_failures === 1
              ? '1 failure' : `${ep.status.consecutive_failures} failures in a row` }) : null),
        h('div', { class: 'endpoint-meta muted' },
          `events ${(ep.events || []).join(', ')} · since ${dateTimeOf(ep.created_at)}`),
        h('div', { class: 'row-actions' }, toggle, remove), logBox);
      if (this.open.has(ep.id)) this.loadLog(ep.id, logBox);
      return el;
    }));
  }

  refreshLogs() {
    for (const box of this.list.querySelectorAll('.deliveries')) {
      if (this.open.has(box.dataset.endpoint)) this.loadLog(box.dataset.endpoint, box);
    }
  }

  async loadLog(id, box) {
    try {
      let items = await this.ctx.api.webhookDeliveries(id, 50);
      if (this.onlyThis && this.objectId) {
        items = items.filter((d) => d.object && d.object.id === this.objectId);
      }
      if (this.destroyed) return;
      if (!items.length) {
        replace(box, h('p', { class: 'muted' }, 'No deliveries yet.'));
        return;
      }
      replace(box, h('table', { class: 'list-table delivery-log' },
        h('thead', {}, h('tr', {}, ['Time', 'Event', 'Seq', 'Status', 'Attempts', 'Last answer',
                                    'Next attempt', ''].map((t) => h('th', { text: t })))),
        h('tbody', {}, items.map((d) => this.deliveryRow(d)))));
    } catch (e) {
      replace(box, h('p', { class: 'form-error' }, `Could not load deliveries: ${errorText(e)}`));
    }
  }

  deliveryRow(d) {
    const last = d.last_status_code != null ? `HTTP ${d.last_status_code}`
      : (d.last_error || '—');
    let action = null;
    if (d.status === 'failed') {
      action = h('button', { type: 'button', class: 'btn small ghost' }, 'Redeliver');
      action.addEventListener('click', async () => {
        try {
          await this.ctx.api.redeliver(d.event_id);
          toast('Queued again');
          this.soon();
        } catch (e) {
          toast(errorText(e), 'error');
        }
      });
    }
    return h('tr', { dataset: { status: d.status } },
      h('td', { 'data-label': 'Time', class: 'nowrap', text: timeOf(d.created_at) }),
      h('td', { 'data-label': 'Event', class: 'mono', text: d.event_id }),
      h('td', { 'data-label': 'Seq', text: String(d.sequence) }),
      h('td', { 'data-label': 'Status' }, h('span', { class: ['chip', d.status] }, d.status)),
      h('td', { 'data-label': 'Attempts', text: String(d.attempts) }),
      h('td', { 'data-label': 'Last answer', text: last }),
      h('td', { 'data-label': 'Next attempt', class: 'nowrap',
                text: d.next_attempt_at ? timeOf(d.next_attempt_at) : '—' }),
      h('td', { 'data-label': '' }, action));
  }

  async remove(ep) {
    const ok = await confirmDialog({ title: 'Delete webhook endpoint?', danger: true,
      message: `Deliveries to ${ep.url} stop; pending ones are dropped.`,
      confirmLabel: 'Delete endpoint' });
    if (!ok) return;
    try {
      await this.ctx.api.deleteWebhookEndpoint(ep.id);
      this.open.delete(ep.id);
      toast('Endpoint deleted');
      this.load();
    } catch (e) {
      toast(errorText(e), 'error');
    }
  }

  destroy() {
    this.destroyed = true;
    this.unsubscribe();
    clearInterval(this.timer);
    clearTimeout(this.soonTimer);
  }
}
