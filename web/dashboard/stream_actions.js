// The action bar of a stream page: Edit (PATCH with If-Match), Reset key, Disable / Enable,
// Complete and Delete. Anything that cuts off a publisher or loses data asks first.
//
// `host` is the stream page: {id, stream, etag, setStream(stream, etag), reload(), gone()}.

import { h } from './dom.js';
import { streamName } from './format.js';
import { streamForm } from './stream_form.js';
import { confirmDialog, errorText, modal, toast } from './ui.js';

export class StreamActions {
  constructor(api, host) {
    this.api = api;
    this.host = host;
    const button = (label, cls, fn, name) => {
      const b = h('button', { type: 'button', class: ['btn', cls], dataset: { action: name } },
                  label);
      b.addEventListener('click', () => fn.call(this));
      return b;
    };
    this.edit = button('Edit', 'ghost', this.onEdit, 'edit');
    this.reset = button('Reset key', 'ghost', this.onReset, 'reset-key');
    this.disable = button('Disable', 'ghost', this.onDisable, 'disable');
    this.enable = button('Enable', 'ghost', this.onEnable, 'enable');
    this.complete = button('End broadcast', 'ghost', this.onComplete, 'complete');
    this.remove = button('Delete', 'danger-ghost', this.onDelete, 'delete');
    this.el = h('div', { class: 'actions' }, this.edit, this.reset, this.complete, this.disable,
                this.enable, this.remove);
  }

  update(status) {
    this.complete.hidden = !(status === 'active' || status === 'reconnecting');
    this.disable.hidden = status === 'disabled';
    this.enable.hidden = status !== 'disabled';
  }

  async run(label, fn) {
    try {
      await fn();
    } catch (e) {
      if (e && e.status === 412) await this.host.reload();
      toast(`${label}: ${errorText(e)}`, 'error');
    }
  }

  // The form edits the stream as it was when opened: its ETag goes with the PATCH, so a change
  // made elsewhere meanwhile (even one this page has since shown) is not silently overwritten.
  onEdit() {
    const etag = this.host.etag;
    const dialog = modal(`Edit ${streamName(this.host.stream)}`, { wide: true });
    dialog.body.appendChild(streamForm({
      stream: this.host.stream,
      onCancel: dialog.close,
      onSubmit: async (changes) => {
        if (Object.keys(changes).length === 0) {
          dialog.close();
          return;
        }
        try {
          const r = await this.api.updateStream(this.host.id, changes, etag);
          this.host.setStream(r.stream, r.etag);
          dialog.close();
          const later = r.meta && r.meta.applies_on_next_connection;
          toast(later && later.length
            ? `Saved; ${later.join(', ')} apply from the encoder's next connection`
            : 'Saved');
        } catch (e) {
          if (e.status === 412) {
            await this.host.reload();
            dialog.close();
            toast('The stream was changed elsewhere: reloaded, please edit again.', 'error');
            return;
          }
          throw e;
        }
      },
    }));
  }

  async onReset() {
    const ok = await confirmDialog({
      title: 'Reset the stream key?', confirmLabel: 'Reset key', danger: true,
      message: 'A new key is made now; an encoder using the current key is disconnected at ' +
               'once and refused from then on. Update your encoder with the new key.' });
    if (!ok) return;
    await this.run('Reset key', async () => {
      const r = await this.api.streamAction(this.host.id, 'reset-stream-key');
      this.host.setStream(r.stream, r.etag);
      toast('New stream key made');
    });
  }

  async onDisable() {
    const ok = await confirmDialog({
      title: 'Disable this stream?', confirmLabel: 'Disable', danger: true,
      message: 'Publishers are refused until you enable it again; a running broadcast ends.' });
    if (!ok) return;
    await this.run('Disable', async () => {
      const r = await this.api.streamAction(this.host.id, 'disable');
      this.host.setStream(r.stream, r.etag);
    });
  }

  async onEnable() {
    await this.run('Enable', async () => {
      const r = await this.api.streamAction(this.host.id, 'enable');
      this.host.setStream(r.stream, r.etag);
    });
  }

  async onComplete() {
    const ok = await confirmDialog({
      title: 'End the broadcast now?', confirmLabel: 'End broadcast',
      message: 'The playlist ends and the encoder is disconnected without waiting for the ' +
               'reconnect window. The stream can be used again for a new broadcast.' });
    if (!ok) return;
    await this.run('End broadcast', async () => {
      const r = await this.api.streamAction(this.host.id, 'complete');
      this.host.setStream(r.stream, r.etag);
    });
  }

  async onDelete() {
    const ok = await confirmDialog({
      title: 'Delete this stream?', confirmLabel: 'Delete stream', danger: true,
      message: `“${streamName(this.host.stream)}” is deleted for good: its encoder is ` +
               'disconnected, its playback URL stops working and its key cannot publish again.' });
    if (!ok) return;
    await this.run('Delete', async () => {
      await this.api.deleteStream(this.host.id, this.host.etag);
      toast('Stream deleted');
      this.host.gone();
    });
  }
}
