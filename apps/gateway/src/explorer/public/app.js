// The stream explorer: the streams of /asyncapi.json, a params form for the chosen one, live subscriptions over /v1/stream.
import { StreamConnection } from './connection.js';
import { buildParamsForm } from './form.js';
import { el, testid } from './format.js';
import { SubscriptionPanel } from './panel.js';

const KIND_TITLES = { view: 'Views', event: 'Event streams' };
const AUTH_NOTES = {
  jwt: 'Authenticates with the JWT of this site (access_token cookie) when the gateway requires auth.',
  api_key: 'Needs an API key: put it in api_key.',
  signed: 'Needs a signed upgrade (X-API-KEY, X-TIMESTAMP, X-SIGN headers), which a browser cannot send: expect an unauthorized error here.',
};
const SUBSCRIPTION_ID = /[^A-Za-z0-9_.:-]/g;

/** The stream named in the URL fragment (`/explorer#stablecoins.main_table`); a malformed one names none. */
function streamInHash() {
  try {
    return decodeURIComponent(location.hash.slice(1));
  } catch {
    return '';
  }
}

const $ = (id) => document.querySelector(`[data-testid="${id}"]`);

const state = {
  channels: [],
  selected: undefined,
  panels: new Map(),
  counter: 0,
  connection: undefined,
};

function showBanner(text, { reconnect = false } = {}) {
  const banner = $('banner');
  banner.querySelector('.banner-text').textContent = text;
  $('reconnect').classList.toggle('hidden', !reconnect);
  banner.classList.remove('hidden');
}

function hideBanner() {
  $('banner').classList.add('hidden');
}

function setConnectionState(connectionState, detail) {
  const pill = $('connection-status');
  pill.dataset.state = connectionState;
  pill.textContent = { connecting: 'connecting…', open: 'connected', closed: 'disconnected' }[connectionState] ?? connectionState;
  if (connectionState === 'open') hideBanner();
  if (connectionState === 'closed') {
    for (const panel of state.panels.values()) panel.disconnected();
    if (state.panels.size > 0) showBanner(`The socket to /v1/stream closed (${detail}).`, { reconnect: true });
  }
}

function onFrame(frame, bytes, arrivedAtMs) {
  if (frame.type === 'ping' || frame.type === 'pong') return; // heartbeats: the socket is alive, nothing to show
  const owner = typeof frame.sub === 'string' ? frame.sub : typeof frame.id === 'string' ? frame.id : undefined;
  const panel = owner === undefined ? undefined : state.panels.get(owner);
  if (panel) {
    panel.handle(frame, bytes, arrivedAtMs);
    return;
  }
  if (frame.type === 'error') showBanner(`Server error ${frame.code ?? ''}: ${frame.message ?? ''}`.trim());
}

function connection() {
  if (!state.connection) {
    const channel = state.channels.find((candidate) => Array.isArray(candidate['x-streams']));
    const path = typeof channel?.address === 'string' && channel.address.startsWith('/') ? channel.address : '/v1/stream';
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
    state.connection = new StreamConnection(url, {
      onState: setConnectionState,
      onFrame,
      onGarbage: (text) => showBanner(`Unreadable frame from the server: ${text.slice(0, 200)}`),
    });
  }
  return state.connection;
}

function send(message) {
  connection().send(message);
}

function reconnect() {
  hideBanner();
  connection().ensureOpen();
  for (const panel of state.panels.values()) panel.resubscribe();
}

function subscriptionId(stream) {
  state.counter += 1;
  const suffix = `-${state.counter}`;
  return stream.replace(SUBSCRIPTION_ID, '_').slice(0, 64 - suffix.length) + suffix;
}

/** The composer: what the chosen stream is, its params, and the Subscribe button. */
function renderComposer(channel) {
  const composer = $('composer');
  const query = withAuthParams(channel);
  const form = buildParamsForm(query);
  const error = el('p', { class: 'field-error hidden', role: 'alert', dataset: testid('composer-error') });
  const subscribe = () => {
    const result = form.read();
    if (result.errors) {
      error.textContent = `Fix the params first: ${result.errors.join('; ')}`;
      error.classList.remove('hidden');
      return;
    }
    error.classList.add('hidden');
    const id = subscriptionId(channel['x-stream-name']);
    const panel = new SubscriptionPanel({
      id,
      channel: { ...channel, bindings: { ...channel.bindings, ws: { ...channel.bindings?.ws, query } } },
      params: result.params,
      send,
      onRemove: (removed) => state.panels.delete(removed.id),
    });
    state.panels.set(id, panel);
    $('subscriptions').prepend(panel.element);
    panel.subscribe();
  };
  const kind = channel['x-stream-kind'];
  const auth = channel['x-auth'];
  composer.replaceChildren(
    el('header', { class: 'composer-head' },
      el('div', {},
        el('h2', { dataset: testid('composer-title') }, channel.title ?? channel['x-stream-name']),
        el('p', { class: 'mono muted' }, channel['x-stream-name'], channel.address ? ` · single-stream path ${channel.address}` : '')),
      el('div', { class: 'badges' },
        kind ? el('span', { class: `badge kind-${kind}` }, kind) : null,
        auth ? el('span', { class: 'badge' }, `auth: ${auth}`) : null)),
    channel.description ? el('p', { class: 'description' }, channel.description) : null,
    auth && AUTH_NOTES[auth] ? el('p', { class: 'muted small' }, AUTH_NOTES[auth]) : null,
    form.element,
    error,
    el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'button primary', dataset: testid('subscribe'), onclick: subscribe }, 'Subscribe'),
      el('span', { class: 'muted small' }, 'Empty fields are left out: the stream uses its defaults.')),
  );
}

/** Spreads takes its API key in the subscribe params; show the field even if the params schema leaves it out. */
function withAuthParams(channel) {
  const query = channel.bindings?.ws?.query ?? { type: 'object', properties: {} };
  if (channel['x-auth'] !== 'api_key' || query.properties?.api_key) return query;
  return {
    ...query,
    properties: { ...query.properties, api_key: { type: 'string', description: 'Your API key (sent in the subscribe message).' } },
  };
}

function select(name) {
  const channel = state.channels.find((candidate) => candidate['x-stream-name'] === name);
  if (!channel) return;
  state.selected = channel;
  for (const item of document.querySelectorAll('[data-testid="stream-item"]')) {
    const active = item.dataset.stream === name;
    item.classList.toggle('active', active);
    item.setAttribute('aria-current', active ? 'true' : 'false');
  }
  renderComposer(channel);
  if (streamInHash() !== name) history.replaceState(null, '', `#${encodeURIComponent(name)}`);
}

function renderStreamList() {
  const groups = new Map();
  for (const channel of state.channels) {
    if (typeof channel['x-stream-name'] !== 'string') continue;
    const kind = channel['x-stream-kind'] ?? 'other';
    if (!groups.has(kind)) groups.set(kind, []);
    groups.get(kind).push(channel);
  }
  const order = ['view', 'event', ...[...groups.keys()].filter((kind) => kind !== 'view' && kind !== 'event')];
  $('stream-list').replaceChildren(
    ...order.filter((kind) => groups.has(kind)).map((kind) =>
      el('section', { class: 'stream-group', dataset: { testid: 'stream-group', kind } },
        el('h2', { class: 'group-title' }, KIND_TITLES[kind] ?? kind, el('span', { class: 'count' }, String(groups.get(kind).length))),
        groups.get(kind).map((channel) =>
          el('button', {
            type: 'button',
            class: 'stream-item',
            dataset: { testid: 'stream-item', stream: channel['x-stream-name'] },
            title: channel.description ?? '',
            onclick: () => select(channel['x-stream-name']),
          },
          el('span', { class: 'stream-title' }, channel.title ?? channel['x-stream-name']),
          el('span', { class: 'stream-name mono' }, channel['x-stream-name']),
          channel.description ? el('span', { class: 'stream-description' }, channel.description) : null)))),
  );
}

function filterStreamList(text) {
  const needle = text.trim().toLowerCase();
  for (const item of document.querySelectorAll('[data-testid="stream-item"]')) {
    item.classList.toggle('hidden', needle !== '' && !item.textContent.toLowerCase().includes(needle));
  }
}

async function loadContract() {
  let doc;
  try {
    const response = await fetch('/asyncapi.json', { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    doc = await response.json();
  } catch (error) {
    $('contract-info').textContent = 'no contract';
    showBanner(`Could not load /asyncapi.json (${error instanceof Error ? error.message : String(error)}).`);
    return;
  }
  state.channels = Object.values(doc.channels ?? {}).filter((channel) => channel !== null && typeof channel === 'object');
  const streams = state.channels.filter((channel) => typeof channel['x-stream-name'] === 'string');
  $('contract-info').replaceChildren(
    `${doc.info?.title ?? 'gateway'} ${doc.info?.version ?? ''} · ${streams.length} streams · `,
    el('a', { href: '/asyncapi.json', target: '_blank', rel: 'noopener' }, 'asyncapi.json'),
    ' · ',
    el('a', { href: '/docs', target: '_blank', rel: 'noopener' }, 'REST docs'),
  );
  renderStreamList();
  const wanted = streamInHash();
  if (wanted) select(wanted);
}

function start() {
  $('reconnect').addEventListener('click', reconnect);
  $('stream-search').addEventListener('input', (event) => filterStreamList(event.target.value));
  // rate and "last frame … ago" move even when no frame arrives
  setInterval(() => {
    const now = Date.now();
    for (const panel of state.panels.values()) panel.tick(now);
  }, 1000);
  void loadContract();
}

start();
