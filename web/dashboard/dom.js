// DOM building without HTML strings: everything from the API (stream metadata, event payloads,
// URLs) is user data and reaches the page only as text nodes or attribute values.
//
//   h('button', {class: 'btn', on: {click: save}, disabled: true}, 'Save')

// Properties set as DOM properties rather than attributes.
const kProperties = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'open',
                             'readOnly', 'required', 'multiple', 'indeterminate']);

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) {
        if (kProperties.has(key) && value === false) el[key] = false;
        continue;
      }
      if (key === 'class') {
        el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
      } else if (key === 'text') {
        el.textContent = String(value);
      } else if (key === 'on') {
        for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
      } else if (key === 'dataset') {
        for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
      } else if (kProperties.has(key)) {
        el[key] = value;
      } else {
        el.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(el, children);
  return el;
}

// Appends children: nodes, strings/numbers (as text), arrays of those; null/false skipped.
export function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) {
      append(parent, child);
    } else if (child instanceof Node) {
      parent.appendChild(child);
    } else {
      parent.appendChild(document.createTextNode(String(child)));
    }
  }
}

// Replaces every child of `el`.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function setText(el, text) {
  const value = String(text);
  if (el.textContent !== value) el.textContent = value;
}
