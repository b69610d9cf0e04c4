// One subscription on the shared socket: its status, live stats, params editor, latest frame as table and JSON.
import { buildParamsForm } from './form.js';
import { cellText, el, formatBytes, formatSeconds, frameLatency, pickTable, prettyJson, testid } from './format.js';

const RATE_WINDOW_MS = 60_000;
const MAX_TABLE_ROWS = 100;
/** Frames that are about the subscription, not data of the stream. */
const CONTROL_TYPES = new Set(['subscribed', 'unsubscribed', 'error', 'ping', 'pong', 'welcome']);

function stat(label, id) {
  const value = el('dd', { dataset: testid(id) }, '–');
  return { element: el('div', { class: 'stat' }, el('dt', {}, label), value), value };
}

export class SubscriptionPanel {
  /**
   * @param {{ id: string, channel: object, params: object, send(message: object): void, onRemove(panel: SubscriptionPanel): void }} options
   */
  constructor({ id, channel, params, send, onRemove }) {
    this.id = id;
    this.channel = channel;
    this.stream = channel['x-stream-name'];
    this.send = send;
    this.onRemove = onRemove;
    this.params = params;
    this.state = 'new';
    this.frames = 0;
    this.arrivals = [];
    this.lastArrivalMs = undefined;
    this.lastSeq = undefined;
    this.pendingFrame = undefined;
    this.renderScheduled = false;
    this.paused = false;

    this.statusPill = el('span', { class: 'pill', dataset: testid('status') }, 'new');
    this.stats = {
      frames: stat('frames', 'frame-count'),
      rate: stat('rate', 'frame-rate'),
      size: stat('last size', 'frame-size'),
      latency: stat('latency', 'latency'),
      seq: stat('seq', 'frame-seq'),
      age: stat('last frame', 'frame-age'),
    };
    this.errorBox = el('div', { class: 'error-box hidden', dataset: testid('error'), role: 'alert' });
    this.notice = el('p', { class: 'notice hidden', dataset: testid('notice') });
    this.form = buildParamsForm(channel.bindings?.ws?.query, params);
    this.paramsSummary = el('span', { class: 'params-summary', dataset: testid('params-summary') });
    this.showParams();
    this.updateButton = el('button', { type: 'button', class: 'button', dataset: testid('update'), onclick: () => this.update() }, 'Update');
    this.unsubscribeButton = el('button', { type: 'button', class: 'button secondary', dataset: testid('unsubscribe'), onclick: () => this.unsubscribe() }, 'Unsubscribe');
    this.pauseButton = el('button', { type: 'button', class: 'button ghost', dataset: testid('pause'), 'aria-pressed': 'false', onclick: () => this.togglePause() }, 'Pause view');
    this.tableBox = el('div', { class: 'table-box hidden' });
    this.json = el('pre', { class: 'json', dataset: testid('frame-json') }, 'waiting for the first frame…');

    this.element = el('article', { class: 'card panel', dataset: { testid: 'subscription', stream: this.stream, sub: id } },
      el('header', { class: 'panel-head' },
        el('div', {},
          el('h3', { class: 'panel-title' }, channel.title ?? this.stream),
          el('p', { class: 'panel-sub mono' }, `${this.stream} · sub ${id}`)),
        this.statusPill),
      el('dl', { class: 'stats' }, Object.values(this.stats).map((item) => item.element)),
      this.notice,
      this.errorBox,
      el('details', { class: 'panel-params' },
        el('summary', { dataset: testid('edit-params') }, 'Params', this.paramsSummary),
        this.form.element,
        el('div', { class: 'actions' }, this.updateButton, this.unsubscribeButton, this.pauseButton)),
      this.tableBox,
      el('details', { class: 'panel-json', open: true }, el('summary', {}, 'Latest frame'), this.json));
  }

  /** What the subscription currently asks for, on the collapsed params line. */
  showParams() {
    const entries = Object.entries(this.params).map(([name, value]) => `${name}=${typeof value === 'object' && !Array.isArray(value) ? JSON.stringify(value) : Array.isArray(value) ? value.join(',') : value}`);
    this.paramsSummary.textContent = entries.length > 0 ? entries.join('  ') : 'defaults';
    this.paramsSummary.title = this.paramsSummary.textContent;
  }

  subscribe(extraParams = {}) {
    this.setState('subscribing');
    this.send({ op: 'subscribe', id: this.id, stream: this.stream, params: { ...this.params, ...extraParams } });
  }

  /** Re-subscribes after a reconnect; an event stream resumes after the last seq it showed. */
  resubscribe() {
    if (this.state === 'unsubscribed' || this.state === 'failed') return;
    const resumable = this.channel['x-stream-kind'] === 'event' && this.lastSeq !== undefined && this.channel.bindings?.ws?.query?.properties?.resume_from;
    this.subscribe(resumable ? { resume_from: this.lastSeq } : {});
  }

  update() {
    const result = this.form.read();
    if (result.errors) return;
    this.clearError();
    if (!this.isLive()) {
      this.params = result.params;
      this.showParams();
      this.subscribe();
      return;
    }
    // params are sent as a whole; a param that was set and is now empty is sent as null so the server drops it
    const params = { ...result.params };
    for (const name of Object.keys(this.params)) if (!Object.hasOwn(params, name)) params[name] = null;
    this.params = result.params;
    this.showParams();
    this.setState('updating');
    this.send({ op: 'update', id: this.id, params });
  }

  /** The server holds this subscription (an error after subscribing, e.g. a rejected update, leaves it standing). */
  isLive() {
    return this.state === 'subscribed' || this.state === 'updating' || this.state === 'error';
  }

  unsubscribe() {
    if (this.isLive() || this.state === 'subscribing') {
      this.setState('unsubscribing');
      this.send({ op: 'unsubscribe', id: this.id });
    } else {
      this.remove();
    }
  }

  remove() {
    this.element.remove();
    this.onRemove(this);
  }

  togglePause() {
    this.paused = !this.paused;
    this.pauseButton.textContent = this.paused ? 'Resume view' : 'Pause view';
    this.pauseButton.setAttribute('aria-pressed', String(this.paused));
    if (!this.paused) this.scheduleRender();
  }

  /** Every frame tagged with this subscription's id. */
  handle(frame, bytes, arrivedAtMs) {
    if (typeof frame.seq === 'number') this.lastSeq = frame.seq;
    switch (frame.type) {
      case 'subscribed':
        this.clearError();
        this.setState('subscribed');
        return;
      case 'unsubscribed':
        this.setState('unsubscribed');
        return;
      case 'error':
        this.showError(frame);
        // an error before the subscription stood means it never did; after, the previous view stays
        this.setState(this.state === 'subscribing' ? 'failed' : this.state === 'unsubscribing' ? 'unsubscribed' : 'error');
        return;
      case 'welcome':
        this.showWelcome(frame);
        return;
      case 'ping':
      case 'pong':
        return;
      default:
        this.onData(frame, bytes, arrivedAtMs);
    }
  }

  onData(frame, bytes, arrivedAtMs) {
    if (this.state === 'subscribing' || this.state === 'updating' || this.state === 'error') this.setState('subscribed');
    this.frames += 1;
    this.arrivals.push(arrivedAtMs);
    this.lastArrivalMs = arrivedAtMs;
    this.stats.frames.value.textContent = String(this.frames);
    this.stats.size.value.textContent = formatBytes(bytes);
    this.stats.seq.value.textContent = typeof frame.seq === 'number' ? String(frame.seq) : '–';
    const latency = frameLatency(frame, arrivedAtMs);
    this.stats.latency.value.textContent = latency ? formatSeconds(latency.seconds) : '–';
    this.stats.latency.value.title = latency ? `now − ${latency.field}` : 'the frame carries no timestamp, sent_at or received_at';
    this.tick(arrivedAtMs);
    this.pendingFrame = frame;
    this.scheduleRender();
  }

  /** Frame rate and age, refreshed every second by the page. */
  tick(nowMs) {
    while (this.arrivals.length > 0 && this.arrivals[0] <= nowMs - RATE_WINDOW_MS) this.arrivals.shift();
    this.stats.rate.value.textContent = `${this.arrivals.length}/min`;
    this.stats.age.value.textContent = this.lastArrivalMs === undefined ? '–' : `${formatSeconds(Math.max(0, (nowMs - this.lastArrivalMs) / 1000))} ago`;
  }

  disconnected() {
    if (this.state !== 'unsubscribed' && this.state !== 'failed') this.setState('disconnected');
  }

  setState(state) {
    this.state = state;
    this.statusPill.textContent = state;
    this.statusPill.dataset.state = state;
    const live = this.isLive();
    this.updateButton.textContent = live || state === 'subscribing' ? 'Update' : 'Subscribe again';
    this.updateButton.disabled = state === 'subscribing' || state === 'unsubscribing' || state === 'disconnected';
    this.unsubscribeButton.textContent = live || state === 'subscribing' || state === 'unsubscribing' ? 'Unsubscribe' : 'Remove';
    this.unsubscribeButton.disabled = state === 'unsubscribing';
  }

  showError(frame) {
    const code = frame.code ?? 'error';
    const details = Array.isArray(frame.details) ? frame.details : [];
    const items = details.slice(0, 20).map((detail) =>
      el('li', {}, typeof detail === 'object' && detail !== null
        ? [detail.param ? el('code', {}, String(detail.param)) : null, detail.param ? ' ' : null, String(detail.message ?? JSON.stringify(detail))]
        : String(detail)));
    this.errorBox.replaceChildren(el('strong', { class: 'mono' }, String(code)), ` ${String(frame.message ?? '')}`);
    if (items.length > 0) this.errorBox.append(el('ul', {}, items));
    this.errorBox.classList.remove('hidden');
  }

  clearError() {
    this.errorBox.classList.add('hidden');
    this.errorBox.replaceChildren();
  }

  showWelcome(frame) {
    const parts = [`welcome at seq ${frame.seq ?? '–'}`];
    if (frame.resumed === true) parts.push('resumed without loss');
    if (frame.resumed === false && frame.gap) parts.push(`gap ${frame.gap.from}…${frame.gap.to} (${frame.gap.reason ?? 'not retained'}): ${typeof frame.gap.fill === 'string' ? frame.gap.fill : JSON.stringify(frame.gap.fill)}`);
    if (typeof frame.heartbeat_ms === 'number') parts.push(`heartbeat every ${formatSeconds(frame.heartbeat_ms / 1000)}`);
    this.notice.textContent = parts.join(' · ');
    this.notice.classList.remove('hidden');
  }

  scheduleRender() {
    if (this.renderScheduled || this.paused) return;
    this.renderScheduled = true;
    requestAnimationFrame(() => {
      this.renderScheduled = false;
      if (this.pendingFrame && !this.paused) this.render(this.pendingFrame);
    });
  }

  render(frame) {
    this.json.textContent = prettyJson(frame);
    const table = pickTable(frame);
    if (!table) {
      this.tableBox.classList.add('hidden');
      this.tableBox.replaceChildren();
      return;
    }
    const shown = table.rows.slice(0, MAX_TABLE_ROWS);
    const notes = [`${table.rows.length} row${table.rows.length === 1 ? '' : 's'} from ${table.path}`];
    if (shown.length < table.rows.length) notes.push(`first ${shown.length} shown`);
    if (table.hiddenColumns > 0) notes.push(`${table.hiddenColumns} more column${table.hiddenColumns === 1 ? '' : 's'} in the JSON`);
    this.tableBox.replaceChildren(
      el('p', { class: 'table-caption', dataset: testid('table-caption') }, notes.join(' · ')),
      el('div', { class: 'table-scroll' },
        el('table', { dataset: testid('frame-table') },
          el('thead', {}, el('tr', {}, table.columns.map((column) => el('th', { scope: 'col', title: column.key }, column.label)))),
          el('tbody', {}, shown.map((row) => el('tr', {}, table.columns.map((column) => {
            const value = row[column.key];
            return el('td', { class: typeof value === 'number' ? 'num' : undefined }, cellText(value));
          })))))),
    );
    this.tableBox.classList.remove('hidden');
  }
}
