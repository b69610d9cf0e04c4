// A params form generated from a channel's `bindings.ws.query` (JSON Schema of the stream's params).
import { el, testid } from './format.js';

let formCount = 0;

/** The one JSON type a field edits: the first non-null of `type`, else the type of a oneOf/anyOf branch or of the enum. */
function fieldType(schema) {
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  const type = types.find((candidate) => candidate !== 'null');
  if (type) return type;
  for (const branch of [...(schema.oneOf ?? []), ...(schema.anyOf ?? [])]) {
    const nested = fieldType(branch);
    if (nested !== 'string') return nested;
  }
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return typeof schema.enum[0] === 'number' ? 'number' : 'string';
  return 'string';
}

/** How a value is shown in an input: lists as `a,b`, objects as JSON. */
function displayValue(value) {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null)) return value.join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function placeholderFor(schema) {
  if (schema.default !== undefined) return `default: ${displayValue(schema.default)}`;
  const example = Array.isArray(schema.examples) ? schema.examples[0] : schema.example;
  if (example !== undefined) return `e.g. ${displayValue(example)}`;
  return '';
}

function rangeText(schema) {
  const parts = [];
  if (schema.minimum !== undefined) parts.push(`min ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`max ${schema.maximum}`);
  if (schema.maxItems !== undefined) parts.push(`at most ${schema.maxItems} items`);
  if (schema.maxLength !== undefined) parts.push(`at most ${schema.maxLength} characters`);
  return parts.join(', ');
}

function isFiltersLike(name, type) {
  return type === 'object' || name === 'filters';
}

/** One input for one param; `read()` gives { value } (undefined when empty) or { error }. */
function buildField(formId, name, schema, required) {
  const type = fieldType(schema);
  const id = `${formId}-${name}`;
  const attrs = { id, name, dataset: testid(`param-${name}`), 'aria-describedby': `${id}-help` };
  let input;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    input = el('select', attrs,
      el('option', { value: '' }, schema.default !== undefined ? `(default: ${displayValue(schema.default)})` : '(not set)'),
      schema.enum.map((option) => el('option', { value: JSON.stringify(option) }, displayValue(option))));
  } else if (type === 'boolean') {
    input = el('select', attrs,
      el('option', { value: '' }, schema.default !== undefined ? `(default: ${schema.default})` : '(not set)'),
      el('option', { value: 'true' }, 'true'),
      el('option', { value: 'false' }, 'false'));
  } else if (isFiltersLike(name, type)) {
    input = el('textarea', { ...attrs, rows: 2, spellcheck: 'false', placeholder: placeholderFor(schema) || '{"field": "value"}', class: 'mono' });
  } else {
    const numeric = type === 'integer' || type === 'number';
    input = el('input', {
      ...attrs,
      type: numeric ? 'number' : 'text',
      step: type === 'integer' ? 1 : numeric ? 'any' : undefined,
      min: schema.minimum,
      max: schema.maximum,
      maxlength: schema.maxLength,
      placeholder: placeholderFor(schema) || (type === 'array' ? 'a,b,c' : ''),
      autocomplete: 'off',
      spellcheck: 'false',
    });
  }

  const error = el('p', { class: 'field-error hidden', role: 'alert' });
  const help = [schema.description, rangeText(schema)].filter(Boolean).join(' · ');
  const element = el('div', { class: `field${isFiltersLike(name, type) ? ' field-wide' : ''}`, title: help || undefined },
    el('label', { for: id },
      el('span', { class: 'field-name' }, name),
      el('span', { class: 'field-type' }, Array.isArray(schema.enum) ? 'enum' : type),
      required ? el('span', { class: 'field-required' }, 'required') : null),
    input,
    help ? el('p', { class: 'field-help', id: `${id}-help` }, help) : null,
    error);

  const parse = (raw) => {
    const text = raw.trim();
    if (text === '') return { value: undefined };
    if (input.tagName === 'SELECT') return { value: Array.isArray(schema.enum) ? JSON.parse(text) : text === 'true' };
    switch (type) {
      case 'integer':
      case 'number': {
        const number = Number(text);
        if (!Number.isFinite(number) || (type === 'integer' && !Number.isInteger(number))) return { error: `must be ${type === 'integer' ? 'an integer' : 'a number'}` };
        return { value: number };
      }
      case 'array': {
        let items;
        if (text.startsWith('[')) {
          try {
            items = JSON.parse(text);
          } catch {
            return { error: 'is not a valid JSON array' };
          }
          if (!Array.isArray(items)) return { error: 'must be a list' };
        } else {
          items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
        }
        const itemType = schema.items ? fieldType(schema.items) : 'string';
        if (itemType === 'integer' || itemType === 'number') items = items.map((item) => (typeof item === 'string' && item.trim() !== '' && Number.isFinite(Number(item)) ? Number(item) : item));
        return { value: items };
      }
      case 'object': {
        try {
          const parsed = JSON.parse(text);
          if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { error: 'must be a JSON object' };
          return { value: parsed };
        } catch {
          return { error: 'is not valid JSON' };
        }
      }
      default:
        if (name === 'filters') {
          try {
            JSON.parse(text);
          } catch {
            return { error: 'is not valid JSON' };
          }
        }
        return { value: text };
    }
  };

  return {
    name,
    element,
    input,
    read() {
      let result = parse(input.value);
      if (result.value === undefined && !result.error && required && schema.default === undefined) result = { error: 'is required' };
      error.textContent = result.error ? `${name} ${result.error}` : '';
      error.classList.toggle('hidden', !result.error);
      input.setAttribute('aria-invalid', result.error ? 'true' : 'false');
      return result;
    },
    set(value) {
      if (input.tagName === 'SELECT') input.value = value === undefined || value === null ? '' : Array.isArray(schema.enum) ? JSON.stringify(value) : String(value);
      else input.value = displayValue(value);
    },
  };
}

/**
 * The form for one stream's params. `read()` returns { params } with only the non-empty values, or { errors }.
 * `values` pre-fills the inputs (a panel's editor starts from what was subscribed with).
 */
export function buildParamsForm(querySchema, values = {}) {
  formCount += 1;
  const formId = `params-${formCount}`;
  const properties = querySchema && typeof querySchema.properties === 'object' && querySchema.properties !== null ? querySchema.properties : {};
  const required = new Set(Array.isArray(querySchema?.required) ? querySchema.required : []);
  const fields = Object.entries(properties).map(([name, schema]) => buildField(formId, name, schema ?? {}, required.has(name)));
  for (const field of fields) if (Object.hasOwn(values, field.name)) field.set(values[field.name]);

  const element = el('div', { class: 'params', dataset: testid('params-form') },
    fields.length > 0 ? fields.map((field) => field.element) : el('p', { class: 'muted' }, 'This stream takes no parameters.'));

  return {
    element,
    fields,
    read() {
      const params = Object.create(null);
      const errors = [];
      for (const field of fields) {
        const result = field.read();
        if (result.error) errors.push(`${field.name} ${result.error}`);
        else if (result.value !== undefined) params[field.name] = result.value;
      }
      return errors.length > 0 ? { errors } : { params };
    },
  };
}
