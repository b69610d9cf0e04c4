// Small DOM and formatting helpers. No innerHTML anywhere: every server value reaches the page as text.

/** Creates an element: el('div', { class: 'x', dataset: { testid: 'y' } }, child, 'text', ...). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, '');
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function testid(id) {
  return { testid: id };
}

const MAX_JSON_CHARS = 200_000;

/** Pretty JSON, cut at a size a <pre> can still show without freezing the tab. */
export function prettyJson(value) {
  const text = JSON.stringify(value, null, 2) ?? String(value);
  return text.length > MAX_JSON_CHARS ? `${text.slice(0, MAX_JSON_CHARS)}\n… (${text.length - MAX_JSON_CHARS} more characters)` : text;
}

export function formatBytes(bytes) {
  if (bytes === undefined) return '–';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

export function formatSeconds(seconds) {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  const abs = Math.abs(seconds);
  if (abs < 1) return `${Math.round(seconds * 1000)} ms`;
  if (abs < 120) return `${seconds.toFixed(1)} s`;
  if (abs < 7200) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Unix seconds from a number (seconds, or milliseconds when it is that large) or an ISO date string. */
function toUnixSeconds(value) {
  if (typeof value === 'number' && Number.isFinite(value)) return value > 1e12 ? value / 1000 : value;
  if (typeof value === 'string' && value !== '') {
    const parsed = Date.parse(value);
    if (Number.isFinite(parsed)) return parsed / 1000;
  }
  return undefined;
}

const TIME_FIELDS = ['timestamp', 'sent_at', 'received_at'];

/** Seconds between the frame's own time (timestamp, sent_at or received_at) and its arrival; undefined without one. */
export function frameLatency(frame, arrivedAtMs) {
  for (const field of TIME_FIELDS) {
    const at = toUnixSeconds(frame[field]);
    if (at !== undefined) return { field, seconds: arrivedAtMs / 1000 - at };
  }
  return undefined;
}

const PREFERRED_TABLES = ['rows', 'results', 'data', 'events', 'items', 'details'];
const MAX_COLUMNS = 12;
const COLUMN_SAMPLE_ROWS = 20;

function isRowList(value) {
  return Array.isArray(value) && value.length > 0 && value.every((row) => row !== null && typeof row === 'object' && !Array.isArray(row));
}

/**
 * The frame's table: the first property holding an array of objects (a well-known name such as `rows` first,
 * `headers` never, one level of nesting looked into, e.g. `chart.data`). Columns follow the frame's
 * `headers` ([{key, label}]) when it has them, else the union of the keys of the first rows; capped.
 */
export function pickTable(frame) {
  const candidates = [];
  const visit = (object, prefix, depth) => {
    for (const [key, value] of Object.entries(object)) {
      if (key === 'headers') continue;
      if (isRowList(value)) candidates.push({ path: prefix + key, key, rows: value });
      else if (depth < 1 && value !== null && typeof value === 'object' && !Array.isArray(value)) visit(value, `${prefix}${key}.`, depth + 1);
    }
  };
  visit(frame, '', 0);
  if (candidates.length === 0) return undefined;
  const chosen = candidates.find((candidate) => PREFERRED_TABLES.includes(candidate.key)) ?? candidates[0];

  const labels = new Map();
  if (Array.isArray(frame.headers)) {
    for (const header of frame.headers) {
      if (header && typeof header.key === 'string') labels.set(header.key, typeof header.label === 'string' ? header.label : header.key);
    }
  }
  const keys = [];
  const seen = new Set();
  const add = (key) => {
    if (!seen.has(key)) {
      seen.add(key);
      keys.push(key);
    }
  };
  for (const row of chosen.rows.slice(0, COLUMN_SAMPLE_ROWS)) {
    for (const key of labels.keys()) if (Object.hasOwn(row, key)) add(key);
  }
  for (const row of chosen.rows.slice(0, COLUMN_SAMPLE_ROWS)) for (const key of Object.keys(row)) add(key);
  return {
    path: chosen.path,
    rows: chosen.rows,
    columns: keys.slice(0, MAX_COLUMNS).map((key) => ({ key, label: labels.get(key) ?? key })),
    hiddenColumns: Math.max(0, keys.length - MAX_COLUMNS),
  };
}

const MAX_CELL_CHARS = 80;

export function cellText(value) {
  if (value === undefined) return '';
  if (value === null) return 'null';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS - 1)}…` : text;
}
