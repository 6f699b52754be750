// A Server-Sent Events decoder (WHATWG HTML §9.2.6 "Interpreting an event stream"), pure: it
// is fed decoded text in chunks of any size and calls back for each dispatched event. It owns
// no connection, so the same input split anywhere gives the same events (tested whole, char
// by char and in random splits). event_feed.js drives it from a fetch() body.
//
//   const decoder = new SseDecoder({onEvent({type, data, id}), onRetry(ms), onComment(text)});
//   decoder.push(text); ... decoder.push(text);   // end of stream: an unfinished event is
//                                                 // dropped, as the spec says
//
// Limits: a line longer than `maxLineLength` characters or an event whose data grows beyond
// `maxEventLength` throws SseLimitError (the caller drops the connection).

export class SseLimitError extends Error {}

export class SseDecoder {
  constructor({ onEvent, onRetry, onComment, maxLineLength = 1 << 20,
                maxEventLength = 4 << 20 } = {}) {
    this.onEvent = onEvent || (() => {});
    this.onRetry = onRetry || (() => {});
    this.onComment = onComment || (() => {});
    this.maxLineLength = maxLineLength;
    this.maxEventLength = maxEventLength;
    this.line = '';
    this.afterCR = false;  // the previous chunk ended in CR: a leading LF belongs to it
    this.firstChunk = true;
    this.data = '';
    this.type = '';
    this.lastEventId = '';
  }

  push(text) {
    if (this.firstChunk && text.length > 0) {
      this.firstChunk = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);  // one leading BOM is ignored
    }
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.afterCR) {
        this.afterCR = false;
        if (c === 10) {  // the LF of a CRLF (possibly split across two chunks)
          start = i + 1;
          continue;
        }
      }
      if (c !== 10 && c !== 13) continue;
      const line = this.line + text.slice(start, i);
      this.line = '';
      start = i + 1;
      this.afterCR = c === 13;
      this.processLine(line);
    }
    if (start < text.length) {
      this.line += text.slice(start);
      if (this.line.length > this.maxLineLength) throw new SseLimitError('SSE line too long');
    }
  }

  processLine(line) {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 58) {  // ':' comment (the server's heartbeat)
      this.onComment(line.slice(1).replace(/^ /, ''));
      return;
    }
    const colon = line.indexOf(':');
    let field = line;
    let value = '';
    if (colon >= 0) {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value.charCodeAt(0) === 32) value = value.slice(1);
    }
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data += `${value}\n`;
        if (this.data.length > this.maxEventLength) throw new SseLimitError('SSE event too long');
        break;
      case 'id':
        if (!value.includes('\0')) this.lastEventId = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.onRetry(Number(value));
        break;
      default:
        break;  // unknown fields are ignored
    }
  }

  dispatch() {
    if (this.data === '') {
      this.type = '';
      return;
    }
    const event = { type: this.type || 'message', data: this.data.slice(0, -1),
                    id: this.lastEventId };
    this.data = '';
    this.type = '';
    this.onEvent(event);
  }
}
