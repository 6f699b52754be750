// The quality menu: "Auto" plus one entry per rendition (height and bitrate), as a menu
// button (WAI-ARIA menu button pattern: Enter/Space/ArrowDown open it, arrows move, Escape
// closes and gives focus back to the button). Hidden while the stream has a single rendition.

import { icon } from './ui-icons.js';

export function formatBitrate(kbps) {
  return kbps >= 1000 ? `${(kbps / 1000).toFixed(1)} Mbps` : `${kbps} kbps`;
}

export function levelLabel(level) {
  return level.height ? `${level.height}p` : formatBitrate(level.bitrate_kbps);
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

export class QualityMenu {
  constructor(controller) {
    this.controller = controller;
    this.root = el('div', 'scp-quality');
    this.button = el('button', 'scp-button scp-quality-button');
    this.button.type = 'button';
    this.button.setAttribute('aria-haspopup', 'menu');
    this.button.setAttribute('aria-expanded', 'false');
    this.button.setAttribute('aria-label', 'Quality');
    this.buttonLabel = el('span', 'scp-quality-label', 'Auto');
    this.button.append(icon('quality'), this.buttonLabel);
    this.menu = el('ul', 'scp-menu');
    this.menu.setAttribute('role', 'menu');
    this.menu.setAttribute('aria-label', 'Quality');
    this.menu.hidden = true;
    this.root.append(this.button, this.menu);
    this.root.hidden = true;
    this.button.addEventListener('click', () => this.toggle());
    this.button.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        this.open();
      }
    });
    this.menu.addEventListener('keydown', (e) => this.#onMenuKey(e));
    this.onOutside = (e) => { if (!this.root.contains(e.target)) this.close(); };
  }

  // Rebuilds the entries (levels: [{index, height, bitrate_kbps}], lowest first).
  setLevels(levels) {
    this.levels = levels;
    this.menu.replaceChildren();
    this.root.hidden = levels.length < 2;
    const entries = [{ index: -1, label: 'Auto' }, ...[...levels].reverse().map((level) => ({
      index: level.index, label: levelLabel(level), detail: formatBitrate(level.bitrate_kbps),
    }))];
    for (const entry of entries) {
      const item = el('li', 'scp-menu-item');
      item.setAttribute('role', 'menuitemradio');
      item.tabIndex = -1;
      item.dataset.index = String(entry.index);
      item.append(el('span', 'scp-menu-label', entry.label));
      if (entry.detail && levels[0]?.height) {
        item.append(el('span', 'scp-menu-detail', entry.detail));
      }
      item.addEventListener('click', () => this.#choose(entry.index));
      this.menu.append(item);
    }
    this.update();
  }

  // Marks the chosen entry; the button names what plays ("Auto · 480p" in auto mode).
  update() {
    const { index, auto } = this.controller.level;
    const playing = this.levels?.find((l) => l.index === index);
    const chosen = auto ? -1 : index;
    for (const item of this.menu.children) {
      item.setAttribute('aria-checked', String(Number(item.dataset.index) === chosen));
    }
    const label = playing ? levelLabel(playing) : '';
    this.buttonLabel.textContent = auto ? (label ? `Auto · ${label}` : 'Auto') : label;
    if (auto) {
      const autoItem = this.menu.querySelector('[data-index="-1"] .scp-menu-label');
      if (autoItem) autoItem.textContent = label ? `Auto (${label})` : 'Auto';
    }
  }

  #choose(index) {
    this.controller.setLevel(index);
    this.close();
    this.button.focus();
    setTimeout(() => this.update(), 0);
  }

  toggle() {
    if (this.menu.hidden) this.open();
    else this.close();
  }

  open() {
    this.menu.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    (this.menu.querySelector('[aria-checked="true"]') ?? this.menu.firstElementChild)?.focus();
    document.addEventListener('pointerdown', this.onOutside, true);
  }

  close() {
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    document.removeEventListener('pointerdown', this.onOutside, true);
  }

  get isOpen() {
    return !this.menu.hidden;
  }

  #onMenuKey(e) {
    const items = [...this.menu.children];
    const at = items.indexOf(document.activeElement);
    const focus = (i) => items[(i + items.length) % items.length]?.focus();
    if (e.key === 'ArrowDown') focus(at + 1);
    else if (e.key === 'ArrowUp') focus(at - 1);
    else if (e.key === 'Home') focus(0);
    else if (e.key === 'End') focus(items.length - 1);
    else if (e.key === 'Enter' || e.key === ' ') {
      this.#choose(Number(items[at]?.dataset.index ?? -1));
    }
    else if (e.key === 'Escape' || e.key === 'Tab') {
      this.close();
      if (e.key === 'Escape') this.button.focus();
      if (e.key === 'Tab') return;
    } else return;
    e.preventDefault();
    e.stopPropagation();
  }

  destroy() {
    this.close();
  }
}
