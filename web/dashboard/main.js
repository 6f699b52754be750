// The dashboard's entry point: login, the app shell (header, navigation, event feed state,
// logout) and the hash router.
//
//   #/                 streams list (streams_view.js)
//   #/streams/{id}     one stream (stream_view.js)
//   #/webhooks         webhook endpoints and deliveries (webhooks.js)
//
// A view is {el, destroy()}; destroy() stops its timers, subscriptions and player. Views get a
// context {api, feed, navigate(hash)}.

import { Api } from './api.js';
import { h, replace, setText } from './dom.js';
import { EventFeed } from './event_feed.js';
import { loginView } from './login_view.js';
import { clearToken, loadToken, saveToken } from './session.js';
import { streamView } from './stream_view.js';
import { streamsView } from './streams_view.js';
import { WebhooksSection } from './webhooks.js';

const root = document.getElementById('app');
let app = null;  // {ctx, outlet, view, nav, unState}

function webhooksPage(ctx) {
  const section = new WebhooksSection(ctx, { title: 'Endpoints' });
  return {
    el: h('main', { class: 'page webhooks-page' },
          h('div', { class: 'page-head' }, h('h1', {}, 'Webhooks')),
          h('p', { class: 'muted lead' }, 'Every state change is POSTed to each endpoint, signed ' +
            'with its secret (Steadycast-Signature), retried for a day when it fails.'),
          section.el),
    destroy: () => section.destroy(),
  };
}

function stopApp() {
  if (!app) return;
  if (app.view) app.view.destroy();
  app.unState();
  app.ctx.feed.stop();
  app = null;
}

function showLogin(message) {
  stopApp();
  document.title = 'steadycast';
  const view = loginView({
    message,
    onLogin(token) {
      saveToken(token.id, token.secret);
      start(token);
    },
  });
  replace(root, view.el);
  const first = root.querySelector('input');
  if (first) first.focus();
}

function logout(message = '') {
  clearToken();
  showLogin(message);
}

function start(token) {
  const rejected = () => {
    if (app) logout('The server no longer accepts this token: sign in again.');
  };
  const ctx = {
    api: new Api(token, { onUnauthorized: rejected }),
    feed: new EventFeed(token, { onUnauthorized: rejected }),
    navigate(hash) {
      if (location.hash === hash) route(); else location.hash = hash;
    },
  };
  const feedState = h('span', { class: 'feed-state', id: 'feed-state', role: 'status' });
  const logoutButton = h('button', { type: 'button', class: 'btn ghost small', id: 'logout' },
                         'Log out');
  logoutButton.addEventListener('click', () => logout('Logged out.'));
  const nav = {
    streams: h('a', { href: '#/', class: 'nav-link' }, 'Streams'),
    webhooks: h('a', { href: '#/webhooks', class: 'nav-link' }, 'Webhooks'),
  };
  const header = h('header', { class: 'topbar' },
    h('a', { href: '#/', class: 'brand', 'aria-label': 'steadycast' },
      h('span', { class: 'logo', 'aria-hidden': 'true' }),
      h('span', { class: 'brand-name' }, 'steadycast')),
    h('nav', { class: 'nav' }, nav.streams, nav.webhooks),
    h('div', { class: 'topbar-end' }, feedState, logoutButton));
  const outlet = h('div', { class: 'outlet' });
  replace(root, header, outlet);
  const unState = ctx.feed.onState((state) => {
    feedState.dataset.state = state;
    setText(feedState, { live: 'live', connecting: 'connecting…', reconnecting: 'reconnecting…',
                         stopped: 'offline' }[state] || state);
    feedState.title = state === 'live' ? 'Receiving events as they happen'
      : 'The event stream is reconnecting; figures may lag';
  });
  app = { ctx, outlet, view: null, nav, unState };
  ctx.feed.start();
  route();
}

function route() {
  if (!app) return;
  const hash = location.hash || '#/';
  if (app.view) app.view.destroy();
  const match = hash.match(/^#\/streams\/([^/?#]+)$/);
  let view;
  if (match) view = streamView(app.ctx, decodeURIComponent(match[1]));
  else if (hash === '#/webhooks') view = webhooksPage(app.ctx);
  else view = streamsView(app.ctx);
  app.view = view;
  app.nav.streams.classList.toggle('active', hash !== '#/webhooks');
  app.nav.webhooks.classList.toggle('active', hash === '#/webhooks');
  replace(app.outlet, view.el);
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', route);

const saved = loadToken();
if (saved) start(saved); else showLogin('');
