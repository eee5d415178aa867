// Ringback customer portal: plain JavaScript, no build step, no download. It calls only the
// public REST API with the customer's credential (a portal session or an access key), kept in
// this tab's sessionStorage. Every value from the API reaches the page as text (textContent),
// never as markup.
'use strict';

const storageKey = 'ringback.credential';
const main = () => document.getElementById('main');

// ---------- small helpers ----------

/** Builds an element: h('a', {href: '#'}, 'text', child). Strings become text nodes. */
function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'text') element.textContent = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

function svg(tag, attributes, ...children) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes || {})) element.setAttribute(name, String(value));
  for (const child of children) element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return element;
}

/** The hash whose view is being drawn: a view that finishes after the user moved on is dropped. */
let viewHash = null;

function show(...nodes) {
  if (viewHash !== null && location.hash !== viewHash) return;
  const target = main();
  target.replaceChildren(...nodes);
  // Focus moves to the new page's content (for keyboards and screen readers), which starts at its top.
  target.focus({preventScroll: true});
  window.scrollTo(0, 0);
}

function notice(text) {
  const line = h('p', {}, text);
  document.getElementById('notice').append(line);
  setTimeout(() => line.remove(), 5000);
}

function when(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return h('time', {datetime: iso, title: iso}, date.toLocaleString());
}

function badge(value) {
  return h('span', {class: 'badge ' + value}, value);
}

function pretty(value) {
  return JSON.stringify(value, null, 2);
}

/** `2026-12-01T10:00` (a datetime-local input, local time) -> RFC 3339 UTC. */
function isoFromLocal(value) {
  return value ? new Date(value).toISOString() : '';
}

function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------- the API ----------

class APIError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

function credential() {
  return sessionStorage.getItem(storageKey);
}

async function api(method, path, body) {
  const headers = {Authorization: 'Bearer ' + credential(), Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (error) { data = null; }
  }
  if (response.status === 401) {
    signOut('Your session has ended or its key is not valid: open a new portal link, or sign in with an access key.');
    throw new APIError(401, data);
  }
  if (!response.ok) throw new APIError(response.status, data);
  return data;
}

const enc = encodeURIComponent;

/** A click handler that reports a failed action (a 401 has already sent the user to sign in). */
function action(body) {
  return async (event) => {
    try {
      await body(event);
    } catch (error) {
      if (error.status !== 401) notice(error.message);
    }
  };
}

// ---------- sign-in ----------

function signOut(message) {
  sessionStorage.removeItem(storageKey);
  document.getElementById('nav').hidden = true;
  renderSignIn(message);
}

function renderSignIn(message) {
  if (location.hash !== '#/sign-in') history.replaceState(null, '', '#/sign-in');
  viewHash = location.hash;
  const input = h('input', {type: 'password', id: 'access-key', name: 'access-key', autocomplete: 'off', required: true,
    'aria-describedby': 'access-key-hint'});
  const form = h('form', {id: 'sign-in-form', onsubmit: async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    sessionStorage.setItem(storageKey, key);
    try {
      await api('GET', '/v1.0/webhooks?page_size=1');
    } catch (error) {
      signOut(error.status === 401 ? 'That access key was refused: check it and try again.' : error.message);
      return;
    }
    document.getElementById('nav').hidden = false;
    location.hash = '#/webhooks';
  }},
  h('label', {for: 'access-key'}, 'Access key'),
  input,
  h('p', {class: 'hint', id: 'access-key-hint'}, 'Your access key, or open the portal link your provider gave you.'),
  h('button', {type: 'submit'}, 'Sign in'));
  show(h('section', {class: 'card', id: 'sign-in'},
    h('h1', {}, 'Sign in to your webhooks'),
    message ? h('p', {class: 'error', id: 'sign-in-message', role: 'alert'}, message) : null,
    form));
}

// ---------- routing ----------

async function route() {
  if (/^#session=/.test(location.hash)) return signInFromLink();
  if (!credential()) return renderSignIn();
  document.getElementById('nav').hidden = false;
  viewHash = location.hash;
  let parts;
  try {
    parts = (location.hash || '#/webhooks').replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  } catch (error) {
    parts = ['webhooks'];
  }
  try {
    if (parts[0] === 'catalog') return await renderCatalog();
    if (parts[0] === 'webhooks' && parts[1] === 'new') return await renderForm(null);
    if (parts[0] === 'webhooks' && parts[1] && parts[2] === 'edit') return await renderForm(parts[1]);
    if (parts[0] === 'webhooks' && parts[1] && parts[2] === 'deliveries' && parts[3]) return await renderDelivery(parts[1], parts[3]);
    if (parts[0] === 'webhooks' && parts[1]) return await renderWebhook(parts[1]);
    return await renderWebhooks();
  } catch (error) {
    if (error.status === 401) return;
    show(h('section', {class: 'card'}, h('h1', {}, error.status === 404 ? 'Not found' : 'Something went wrong'),
      h('p', {class: 'error', role: 'alert'}, error.message), h('a', {href: '#/webhooks'}, 'Back to endpoints')));
  }
}

// ---------- endpoints ----------

async function renderWebhooks() {
  const page = await api('GET', '/v1.0/webhooks?page_size=100');
  const rows = page.result.map((webhook) => {
    const last = h('td', {'data-label': 'Last delivery'}, h('span', {class: 'muted'}, '…'));
    api('GET', `/v1.0/webhooks/${enc(webhook.id)}/deliveries?page_size=1`).then((deliveries) => {
      const delivery = deliveries.result[0];
      last.replaceChildren(delivery ? lastResult(delivery) : h('span', {class: 'muted'}, 'none yet'));
    }).catch(() => last.replaceChildren(h('span', {class: 'muted'}, 'unknown')));
    return h('tr', {},
      h('td', {'data-label': 'Name'}, h('a', {href: `#/webhooks/${enc(webhook.id)}`, class: 'webhook-link'}, webhook.name || webhook.url)),
      h('td', {'data-label': 'URL', class: 'wrap mono'}, webhook.url),
      h('td', {'data-label': 'Status'}, badge(webhook.status)),
      h('td', {'data-label': 'Health'}, badge(webhook.health)),
      last);
  });
  show(
    h('div', {class: 'row spread'}, h('h1', {}, 'Endpoints'),
      h('a', {class: 'button', href: '#/webhooks/new', id: 'new-webhook'}, 'New endpoint')),
    h('section', {class: 'card'},
      rows.length === 0
        ? h('p', {class: 'muted', id: 'no-webhooks'}, 'No endpoints yet. Add one to receive events.')
        : h('table', {class: 'responsive', id: 'webhooks'},
          h('thead', {}, h('tr', {}, ['Name', 'URL', 'Status', 'Health', 'Last delivery'].map((t) => h('th', {scope: 'col'}, t)))),
          h('tbody', {}, rows)),
      page.next_page_token ? h('p', {class: 'muted'}, 'Showing the newest 100 endpoints.') : null));
}

function lastResult(delivery) {
  const detail = delivery.last_status_code ? `HTTP ${delivery.last_status_code}` : (delivery.last_error || '');
  return h('span', {}, badge(delivery.status), ' ', h('span', {class: 'muted'}, detail), ' ', when(delivery.tm_create));
}

// ---------- create and edit ----------

let catalogCache = null;
async function catalog() {
  if (!catalogCache) catalogCache = (await api('GET', '/v1.0/webhook-event-types')).result;
  return catalogCache;
}

async function renderForm(id) {
  const [types, webhook] = await Promise.all([catalog(), id ? api('GET', `/v1.0/webhooks/${enc(id)}`) : null]);
  const chosen = new Set(webhook ? webhook.event_types : []);
  const fieldError = (field) => h('p', {class: 'field-error', id: `error-${field}`, role: 'alert', hidden: true});
  const input = (field, label, attributes, hint) => [
    h('label', {for: `field-${field}`}, label),
    h('input', Object.assign({id: `field-${field}`, name: field, 'aria-describedby': `error-${field}${hint ? ` hint-${field}` : ''}`}, attributes)),
    hint ? h('p', {class: 'hint', id: `hint-${field}`}, hint) : null,
    fieldError(field),
  ];
  const checkbox = (value, label) => h('label', {class: 'inline'},
    h('input', {type: 'checkbox', name: 'event_types', value, checked: chosen.has(value)}), label);

  const byResource = new Map();
  for (const type of types) {
    if (type.name === 'webhook_test') continue;
    if (!byResource.has(type.resource_type)) byResource.set(type.resource_type, []);
    byResource.get(type.resource_type).push(type);
  }
  // Ringback's own events (resource type webhook) match only by exact name: no wildcard for them.
  const groups = [...byResource.entries()].map(([resource, list]) => h('fieldset', {class: 'group'},
    h('legend', {}, resource === 'webhook' ? 'Ringback\'s own events (by name only)' : resource),
    resource === 'webhook' ? null : checkbox(`${resource}.*`, `every ${resource} event (${resource}.*)`),
    h('div', {}, list.map((type) => checkbox(type.name, type.name)))));

  const headerText = webhook ? Object.entries(webhook.headers || {}).map(([k, v]) => `${k}: ${v}`).join('\n') : '';
  const method = h('select', {id: 'field-method', name: 'method', 'aria-describedby': 'error-method'},
    ['POST', 'PUT'].map((m) => h('option', {value: m, selected: (webhook ? webhook.method : 'POST') === m}, m)));
  const formError = h('p', {class: 'error', id: 'form-error', role: 'alert', hidden: true});
  const form = h('form', {id: 'webhook-form', novalidate: true},
    input('name', 'Name', {type: 'text', value: webhook ? webhook.name || '' : '', maxlength: 255}),
    input('url', 'URL', {type: 'url', value: webhook ? webhook.url : '', required: true, placeholder: 'https://example.com/webhooks'},
      'An absolute https URL that answers 2xx within 5 seconds.'),
    h('label', {for: 'field-method'}, 'Method'), method, fieldError('method'),
    h('fieldset', {id: 'field-event_types', 'aria-describedby': 'error-event_types'},
      h('legend', {}, 'Event types'),
      h('p', {class: 'hint'}, 'Pick types, a whole resource, or everything.'),
      checkbox('*', 'every platform event (*)'),
      h('div', {class: 'types'}, groups)),
    fieldError('event_types'),
    h('label', {for: 'field-headers'}, 'Custom headers'),
    h('textarea', {id: 'field-headers', name: 'headers', 'aria-describedby': 'hint-headers error-headers', placeholder: 'X-Team: billing'}, headerText),
    h('p', {class: 'hint', id: 'hint-headers'}, 'One per line, as Name: value.'),
    fieldError('headers'),
    h('label', {for: 'field-detail'}, 'Description'),
    h('textarea', {id: 'field-detail', name: 'detail', 'aria-describedby': 'error-detail'}, webhook ? webhook.detail || '' : ''),
    fieldError('detail'),
    formError,
    h('div', {class: 'row'},
      h('button', {type: 'submit', id: 'save-webhook'}, id ? 'Save changes' : 'Create endpoint'),
      h('a', {class: 'button secondary', href: id ? `#/webhooks/${enc(id)}` : '#/webhooks'}, 'Cancel')));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const element of form.querySelectorAll('.field-error, #form-error')) { element.hidden = true; element.textContent = ''; }
    for (const element of form.querySelectorAll('[aria-invalid]')) element.removeAttribute('aria-invalid');
    const headers = {};
    const headerLines = form.elements.headers.value.split('\n').map((line) => line.trim()).filter((line) => line);
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      if (colon < 1) return showErrors(form, [{field: 'headers', message: `"${line}" is not Name: value`}]);
      headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    const body = {
      name: form.elements.name.value || null,
      url: form.elements.url.value.trim(),
      method: form.elements.method.value,
      event_types: [...form.querySelectorAll('input[name=event_types]:checked')].map((box) => box.value),
      headers,
      detail: form.elements.detail.value || null,
    };
    const button = document.getElementById('save-webhook');
    button.disabled = true;
    try {
      const saved = id ? await api('PUT', `/v1.0/webhooks/${enc(id)}`, body) : await api('POST', '/v1.0/webhooks', body);
      notice(id ? 'Saved.' : 'Endpoint created.');
      location.hash = `#/webhooks/${enc(saved.id)}`;
    } catch (error) {
      if (error.status === 401) return;
      showErrors(form, error.problem.errors || [], error.message);
    } finally {
      button.disabled = false;
    }
  });
  show(h('h1', {}, id ? 'Edit endpoint' : 'New endpoint'), h('section', {class: 'card'}, form));
}

/** Puts each API error next to its field (`event_types[1]` and `headers.X` go to their field). */
function showErrors(form, errors, fallback) {
  let first = null;
  const unplaced = [];
  for (const error of errors) {
    const field = String(error.field || '').split(/[.[]/)[0];
    const slot = form.querySelector(`#error-${CSS.escape(field)}`);
    if (!slot) { unplaced.push(`${error.field}: ${error.message}`); continue; }
    slot.hidden = false;
    slot.textContent = slot.textContent ? `${slot.textContent} ${error.message}` : error.message;
    const control = form.querySelector(`#field-${CSS.escape(field)}`);
    if (control) control.setAttribute('aria-invalid', 'true');
    first = first || control;
  }
  if (unplaced.length || (!errors.length && fallback)) {
    const slot = form.querySelector('#form-error');
    slot.hidden = false;
    slot.textContent = unplaced.length ? unplaced.join(' ') : fallback;
  }
  if (first && first.focus) first.focus();
}

// ---------- one endpoint ----------

async function renderWebhook(id) {
  const webhook = await api('GET', `/v1.0/webhooks/${enc(id)}`);
  const base = `/v1.0/webhooks/${enc(id)}`;
  const title = webhook.name || webhook.url;

  const confirmDelete = h('div', {class: 'confirm', id: 'confirm-delete', hidden: true, role: 'group', 'aria-label': 'Confirm delete'},
    h('p', {}, 'Delete this endpoint? Its pending deliveries are cancelled. This cannot be undone.'),
    h('div', {class: 'row'},
      h('button', {type: 'button', class: 'danger', id: 'confirm-delete-yes', onclick: action(async () => {
        await api('DELETE', base);
        notice('Endpoint deleted.');
        location.hash = '#/webhooks';
      })}, 'Delete'),
      h('button', {type: 'button', class: 'secondary', onclick: () => { confirmDelete.hidden = true; }}, 'Cancel')));

  const facts = h('dl', {class: 'facts'},
    h('dt', {}, 'URL'), h('dd', {class: 'mono', id: 'webhook-url'}, `${webhook.method} ${webhook.url}`),
    h('dt', {}, 'Status'), h('dd', {}, h('span', {id: 'webhook-status'}, badge(webhook.status)),
      webhook.disabled_reason ? h('span', {class: 'muted'}, ` ${webhook.disabled_reason}`) : null),
    h('dt', {}, 'Health'), h('dd', {}, h('span', {id: 'webhook-health'}, badge(webhook.health)),
      webhook.failing_since ? h('span', {class: 'muted'}, ' failing since ', when(webhook.failing_since)) : null),
    h('dt', {}, 'Event types'), h('dd', {class: 'mono'}, webhook.event_types.join(', ')),
    Object.keys(webhook.headers || {}).length ? [h('dt', {}, 'Headers'),
      h('dd', {class: 'mono'}, Object.entries(webhook.headers).map(([k, v]) => `${k}: ${v}`).join('; '))] : null,
    webhook.detail ? [h('dt', {}, 'Description'), h('dd', {}, webhook.detail)] : null,
    h('dt', {}, 'Created'), h('dd', {}, when(webhook.tm_create)),
    h('dt', {}, 'Updated'), h('dd', {}, when(webhook.tm_update)));

  const toggleTo = webhook.status === 'active' ? 'disabled' : 'active';
  const actions = h('div', {class: 'row'},
    h('a', {class: 'button secondary', href: `#/webhooks/${enc(id)}/edit`, id: 'edit-webhook'}, 'Edit'),
    h('button', {type: 'button', class: 'secondary', id: 'toggle-status', onclick: action(async () => {
      await api('PUT', base, {status: toggleTo});
      notice(toggleTo === 'active' ? 'Endpoint enabled.' : 'Endpoint disabled.');
      await renderWebhook(id);
    })}, toggleTo === 'active' ? 'Enable' : 'Disable'),
    h('button', {type: 'button', class: 'danger', id: 'delete-webhook', onclick: () => {
      confirmDelete.hidden = false;
      document.getElementById('confirm-delete-yes').focus();
    }}, 'Delete'));

  show(
    h('p', {}, h('a', {href: '#/webhooks'}, '← Endpoints')),
    h('h1', {id: 'webhook-title'}, title),
    h('section', {class: 'card'}, facts, h('p'), actions, confirmDelete),
    secretSection(webhook, base),
    testSection(webhook, base),
    statsSection(base),
    deliveriesSection(webhook, base),
    recoverSection(base));
}

function secretSection(webhook, base) {
  const ed25519 = webhook.signature_scheme === 'ed25519';
  const value = h('code', {class: 'secret', id: 'secret-value'}, ed25519 ? webhook.public_key : '••••••••••••••••');
  const confirm = h('div', {class: 'confirm', id: 'confirm-rotate', hidden: true},
    h('p', {}, 'Rotate the signing secret? Ringback signs with the new one at once and keeps signing with the old one beside it for 24 hours.'),
    h('div', {class: 'row'},
      h('button', {type: 'button', id: 'confirm-rotate-yes', onclick: action(async () => {
        const rotated = await api('POST', `${base}/secret/rotate`, {});
        confirm.hidden = true;
        if (ed25519) {
          const refreshed = await api('GET', base);
          value.textContent = refreshed.public_key;
        } else {
          value.textContent = rotated.secret;
          reveal.textContent = 'Hide';
          reveal.setAttribute('aria-pressed', 'true');
        }
        notice('Secret rotated: the old one keeps signing for 24 hours.');
      })}, 'Rotate'),
      h('button', {type: 'button', class: 'secondary', onclick: () => { confirm.hidden = true; }}, 'Cancel')));
  const reveal = h('button', {type: 'button', class: 'secondary', id: 'reveal-secret', 'aria-pressed': 'false', onclick: action(async () => {
    if (reveal.getAttribute('aria-pressed') === 'true') {
      value.textContent = '••••••••••••••••';
      reveal.textContent = 'Reveal';
      reveal.setAttribute('aria-pressed', 'false');
      return;
    }
    const secret = await api('GET', `${base}/secret`);
    value.textContent = secret.secret;
    reveal.textContent = 'Hide';
    reveal.setAttribute('aria-pressed', 'true');
  })}, 'Reveal');
  return h('section', {class: 'card', 'aria-labelledby': 'secret-heading'},
    h('h2', {id: 'secret-heading'}, ed25519 ? 'Signing key (Ed25519 public key)' : 'Signing secret'),
    h('p', {}, value),
    h('p', {class: 'hint', id: 'rotate-explained'},
      'Every delivery is signed (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature). ',
      'When you rotate, the old secret keeps signing beside the new one for 24 hours, so your receiver can switch without rejecting events.'),
    h('div', {class: 'row'}, ed25519 ? null : reveal,
      h('button', {type: 'button', class: 'secondary', id: 'rotate-secret', onclick: () => {
        confirm.hidden = false;
        document.getElementById('confirm-rotate-yes').focus();
      }}, 'Rotate')),
    confirm);
}

function testSection(webhook, base) {
  const result = h('p', {id: 'test-result', role: 'status'});
  const button = h('button', {type: 'button', id: 'send-test', disabled: webhook.status !== 'active', onclick: async () => {
    button.disabled = true;
    result.className = 'muted';
    result.textContent = 'Sending a webhook_test event…';
    try {
      const sent = await api('POST', `${base}/test`);
      const deadline = Date.now() + 60000;
      let delivery = null;
      while (Date.now() < deadline && result.isConnected) {
        delivery = await api('GET', `${base}/deliveries/${enc(sent.delivery_id)}`);
        if (delivery.attempts.length > 0) break;
        await sleep(400);
      }
      const attempt = delivery && delivery.attempts[delivery.attempts.length - 1];
      if (!attempt) {
        result.textContent = 'The test event is still waiting for its first attempt.';
      } else {
        const ok = attempt.status_code >= 200 && attempt.status_code < 300;
        result.className = ok ? 'ok' : 'error';
        result.replaceChildren(ok ? 'Test delivered: ' : 'Test failed: ',
          attempt.status_code ? `HTTP ${attempt.status_code}` : (attempt.error || 'no answer'),
          ` in ${attempt.duration_ms} ms. `,
          h('a', {href: `#/webhooks/${enc(webhook.id)}/deliveries/${enc(sent.delivery_id)}`, id: 'test-delivery-link'}, 'See the delivery'));
        result.dataset.outcome = ok ? 'succeeded' : 'failed';
      }
    } catch (error) {
      result.className = 'error';
      result.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  }}, 'Send test event');
  return h('section', {class: 'card', 'aria-labelledby': 'test-heading'},
    h('h2', {id: 'test-heading'}, 'Test'),
    h('p', {class: 'hint'}, 'Sends a webhook_test event to this endpoint now, signed like every delivery.'),
    button, result);
}

function statsSection(base) {
  const section = h('section', {class: 'card', id: 'stats', 'aria-labelledby': 'stats-heading'},
    h('h2', {id: 'stats-heading'}, 'Last 24 hours'), h('p', {class: 'muted'}, 'Loading…'));
  api('GET', `${base}/stats`).then((stats) => {
    const rate = stats.success_rate === null || stats.success_rate === undefined ? '—' : `${(stats.success_rate * 100).toFixed(1)}%`;
    const ms = (value) => (value === null || value === undefined ? '—' : `≤ ${value} ms`);
    section.replaceChildren(h('h2', {id: 'stats-heading'}, 'Last 24 hours'),
      h('div', {class: 'stats'},
        h('div', {class: 'stat'}, h('strong', {id: 'stats-attempts'}, stats.attempts), 'attempts'),
        h('div', {class: 'stat'}, h('strong', {id: 'stats-success'}, rate), 'success rate'),
        h('div', {class: 'stat'}, h('strong', {}, ms(stats.duration_ms.p50)), 'p50 duration'),
        h('div', {class: 'stat'}, h('strong', {}, ms(stats.duration_ms.p99)), 'p99 duration')),
      chart(stats.buckets),
      h('p', {class: 'legend hint'}, h('span', {class: 'ok'}, '■'), ' succeeded  ', h('span', {class: 'bad'}, '■'), ' failed, attempts per hour'));
  }).catch((error) => {
    if (error.status !== 401) section.replaceChildren(h('h2', {}, 'Last 24 hours'), h('p', {class: 'error'}, error.message));
  });
  return section;
}

/** Attempts per hour, succeeded below failed, as an SVG drawn here (no chart library). */
function chart(buckets) {
  const width = 760, height = 200, left = 34, bottom = 24, top = 10;
  const slot = (width - left - 6) / Math.max(buckets.length, 1);
  const most = Math.max(1, ...buckets.map((b) => b.attempts));
  const scale = (height - top - bottom) / most;
  const total = buckets.reduce((sum, b) => sum + b.attempts, 0);
  const image = svg('svg', {class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': `Attempts per hour over the last ${buckets.length} hours: ${total} in all`});
  image.append(svg('line', {class: 'axis', x1: left, y1: height - bottom, x2: width, y2: height - bottom}));
  image.append(svg('text', {x: 2, y: top + 8}, String(most)));
  image.append(svg('text', {x: 2, y: height - bottom}, '0'));
  buckets.forEach((bucket, index) => {
    const x = left + index * slot + 2;
    const okHeight = bucket.succeeded * scale;
    const badHeight = bucket.failed * scale;
    const group = svg('g', {});
    const start = new Date(bucket.start);
    group.append(svg('title', {}, `${start.toLocaleString()}: ${bucket.succeeded} succeeded, ${bucket.failed} failed`));
    if (okHeight > 0) group.append(svg('rect', {class: 'ok', x, width: slot - 4, y: height - bottom - okHeight, height: okHeight}));
    if (badHeight > 0) group.append(svg('rect', {class: 'bad', x, width: slot - 4, y: height - bottom - okHeight - badHeight, height: badHeight}));
    image.append(group);
    if (index % 3 === 0) {
      image.append(svg('text', {x, y: height - 8}, `${String(start.getHours()).padStart(2, '0')}:00`));
    }
  });
  return image;
}

function deliveriesSection(webhook, base) {
  const state = {tokens: [null], index: 0};
  const status = h('select', {id: 'filter-status'}, ['', 'pending', 'succeeded', 'failed'].map((s) => h('option', {value: s}, s || 'any')));
  const type = h('select', {id: 'filter-type'}, h('option', {value: ''}, 'any'));
  catalog().then((types) => {
    const names = types.map((t) => t.name);
    if (!names.includes('webhook_test')) names.push('webhook_test');
    type.append(...names.map((name) => h('option', {value: name}, name)));
  }).catch(() => {});
  const since = h('input', {type: 'datetime-local', id: 'filter-since'});
  const until = h('input', {type: 'datetime-local', id: 'filter-until'});
  const body = h('tbody');
  const message = h('p', {class: 'muted', id: 'deliveries-message'});
  const newer = h('button', {type: 'button', class: 'secondary', id: 'newer', disabled: true,
    onclick: () => { state.index -= 1; load(); }}, '← Newer');
  const older = h('button', {type: 'button', class: 'secondary', id: 'older', disabled: true,
    onclick: () => { state.index += 1; load(); }}, 'Older →');
  let loads = 0;

  async function load() {
    const mine = ++loads;
    newer.disabled = true;
    older.disabled = true;
    const query = new URLSearchParams({page_size: '20'});
    if (status.value) query.set('status', status.value);
    if (type.value) query.set('event_type', type.value);
    if (since.value) query.set('since', isoFromLocal(since.value));
    if (until.value) query.set('until', isoFromLocal(until.value));
    const token = state.tokens[state.index];
    if (token) query.set('page_token', token);
    message.textContent = 'Loading…';
    try {
      const page = await api('GET', `${base}/deliveries?${query}`);
      if (mine !== loads) return;
      state.tokens[state.index + 1] = page.next_page_token;
      body.replaceChildren(...page.result.map((d) => h('tr', {},
        h('td', {'data-label': 'Created'}, h('a', {href: `#/webhooks/${enc(webhook.id)}/deliveries/${enc(d.id)}`, class: 'delivery-link'}, when(d.tm_create))),
        h('td', {'data-label': 'Event type', class: 'mono'}, d.event_type),
        h('td', {'data-label': 'Resource', class: 'mono wrap'}, d.resource_id),
        h('td', {'data-label': 'Status'}, badge(d.status)),
        h('td', {'data-label': 'Attempts'}, d.attempt_count),
        h('td', {'data-label': 'Last result'}, d.last_status_code ? `HTTP ${d.last_status_code}` : (d.last_error || '—')))));
      message.textContent = page.result.length ? '' : 'No deliveries match.';
      newer.disabled = state.index <= 0;
      older.disabled = !page.next_page_token;
    } catch (error) {
      if (mine === loads && error.status !== 401) message.textContent = error.message;
    }
  }
  const filters = h('form', {class: 'filters', id: 'delivery-filters', onsubmit: (event) => {
    event.preventDefault();
    state.tokens = [null];
    state.index = 0;
    load();
  }},
  h('div', {}, h('label', {for: 'filter-status'}, 'Status'), status),
  h('div', {}, h('label', {for: 'filter-type'}, 'Event type'), type),
  h('div', {}, h('label', {for: 'filter-since'}, 'From'), since),
  h('div', {}, h('label', {for: 'filter-until'}, 'Until'), until),
  h('div', {}, h('button', {type: 'submit', id: 'apply-filters'}, 'Filter')));
  load();
  return h('section', {class: 'card', 'aria-labelledby': 'deliveries-heading'},
    h('h2', {id: 'deliveries-heading'}, 'Deliveries'), filters,
    h('table', {class: 'responsive', id: 'deliveries'},
      h('thead', {}, h('tr', {}, ['Created', 'Event type', 'Resource', 'Status', 'Attempts', 'Last result'].map((t) => h('th', {scope: 'col'}, t)))),
      body),
    message, h('div', {class: 'row'}, newer, older));
}

function recoverSection(base) {
  const since = h('input', {type: 'datetime-local', id: 'recover-since', required: true,
    value: localInputValue(new Date(Date.now() - 24 * 3600 * 1000))});
  const result = h('p', {id: 'recover-result', role: 'status'});
  const form = h('form', {id: 'recover-form', onsubmit: async (event) => {
    event.preventDefault();
    try {
      const answer = await api('POST', `${base}/recover`, {since: isoFromLocal(since.value)});
      result.className = 'ok';
      result.textContent = `${answer.count} failed ${answer.count === 1 ? 'delivery' : 'deliveries'} queued again.`;
    } catch (error) {
      result.className = 'error';
      result.textContent = error.message;
    }
  }},
  h('label', {for: 'recover-since'}, 'Failed since'), since,
  h('p'), h('button', {type: 'submit', id: 'recover-button', class: 'secondary'}, 'Recover failed deliveries'));
  return h('section', {class: 'card', 'aria-labelledby': 'recover-heading'},
    h('h2', {id: 'recover-heading'}, 'Recover'),
    h('p', {class: 'hint'}, 'Queues every failed delivery since that time again, after your endpoint is fixed.'),
    form, result);
}

// ---------- one delivery ----------

async function renderDelivery(webhookID, id) {
  const base = `/v1.0/webhooks/${enc(webhookID)}`;
  const delivery = await api('GET', `${base}/deliveries/${enc(id)}`);
  const retryResult = h('p', {id: 'retry-result', role: 'status'});
  const retry = h('button', {type: 'button', id: 'retry-delivery', onclick: async () => {
    retry.disabled = true;
    try {
      await api('POST', `${base}/deliveries/${enc(id)}/retry`);
      retryResult.textContent = 'Retrying now…';
      const deadline = Date.now() + 60000;
      // Until the new attempt is recorded (a failed one leaves the delivery pending for its next retry).
      while (Date.now() < deadline && retry.isConnected) {
        const current = await api('GET', `${base}/deliveries/${enc(id)}`);
        if (current.attempts.length > delivery.attempts.length || current.status === 'succeeded') break;
        await sleep(400);
      }
      if (!retry.isConnected) return;
      await renderDelivery(webhookID, id);
      notice('Retried.');
    } catch (error) {
      retryResult.className = 'error';
      retryResult.textContent = error.message;
      retry.disabled = false;
    }
  }}, 'Retry now');

  const attempts = delivery.attempts.map((a) => h('tr', {},
    h('td', {'data-label': 'Attempt'}, a.attempt),
    h('td', {'data-label': 'Started'}, when(a.tm_start)),
    h('td', {'data-label': 'Status code', class: 'status-code'}, a.status_code === null ? '—' : a.status_code),
    h('td', {'data-label': 'Error'}, a.error ? [a.error, a.error_code ? h('span', {class: 'muted'}, ` (${a.error_code})`) : null] : '—'),
    h('td', {'data-label': 'Duration'}, `${a.duration_ms} ms`),
    h('td', {'data-label': 'Response'}, a.response_body
      ? h('details', {open: !(a.status_code >= 200 && a.status_code < 300)}, h('summary', {}, 'body'), h('pre', {}, a.response_body))
      : '—')));

  const eventBody = h('pre', {id: 'event-body'}, 'Loading…');
  api('GET', `/v1.0/events/${enc(delivery.event_id)}`)
    .then((event) => { eventBody.textContent = pretty(event); })
    .catch((error) => { eventBody.textContent = error.status === 404 ? 'The event is no longer kept (retention).' : error.message; });

  show(
    h('p', {}, h('a', {href: `#/webhooks/${enc(webhookID)}`}, '← Endpoint')),
    h('h1', {}, 'Delivery ', h('span', {class: 'mono'}, delivery.event_type)),
    h('section', {class: 'card'},
      h('dl', {class: 'facts'},
        h('dt', {}, 'Status'), h('dd', {id: 'delivery-status'}, badge(delivery.status)),
        h('dt', {}, 'Delivery'), h('dd', {class: 'mono'}, delivery.id),
        h('dt', {}, 'Event (webhook-id)'), h('dd', {class: 'mono'}, delivery.event_id),
        h('dt', {}, 'Resource'), h('dd', {class: 'mono'}, delivery.resource_id),
        h('dt', {}, 'Created'), h('dd', {}, when(delivery.tm_create)),
        h('dt', {}, 'Attempts'), h('dd', {}, delivery.attempt_count),
        h('dt', {}, 'Next attempt'), h('dd', {}, when(delivery.next_attempt_at))),
      h('p'), retry, retryResult),
    h('section', {class: 'card', 'aria-labelledby': 'attempts-heading'},
      h('h2', {id: 'attempts-heading'}, 'Attempts'),
      attempts.length === 0 ? h('p', {class: 'muted'}, 'No attempt yet.') : h('table', {class: 'responsive', id: 'attempts'},
        h('thead', {}, h('tr', {}, ['#', 'Started', 'Status code', 'Error', 'Duration', 'Response'].map((t) => h('th', {scope: 'col'}, t)))),
        h('tbody', {}, attempts))),
    h('section', {class: 'card', 'aria-labelledby': 'event-heading'},
      h('h2', {id: 'event-heading'}, 'Event body'), eventBody));
}

// ---------- event catalog ----------

async function renderCatalog() {
  const types = await catalog();
  const byResource = new Map();
  for (const type of types) {
    if (!byResource.has(type.resource_type)) byResource.set(type.resource_type, []);
    byResource.get(type.resource_type).push(type);
  }
  show(h('h1', {}, 'Event catalog'),
    h('p', {class: 'hint'}, 'Every event type you can subscribe to, with an example of what your endpoint receives.'),
    ...[...byResource.entries()].map(([resource, list]) => h('section', {class: 'card', id: `catalog-${resource}`},
      h('h2', {}, resource),
      list.map((type) => h('details', {class: 'event-type'},
        h('summary', {}, h('code', {}, type.name), ' — ', type.description),
        type.example ? h('pre', {}, pretty(type.example)) : h('p', {class: 'muted'}, 'No example.'))))));
}

// ---------- start ----------

/**
 * A portal link carries its session in the fragment, which browsers never send to a server:
 * take it, drop it from the address bar and the history, and check it once.
 */
async function signInFromLink() {
  const match = /^#session=([^&]+)/.exec(location.hash);
  history.replaceState(null, '', '#/webhooks');
  let token = '';
  try { token = decodeURIComponent(match ? match[1] : ''); } catch (error) { token = ''; }
  sessionStorage.setItem(storageKey, token);
  try {
    await api('GET', '/v1.0/webhooks?page_size=1');
  } catch (error) {
    if (error.status === 401) {
      signOut('This portal link has expired or is not valid. Ask for a new one, or sign in with an access key.');
      return;
    }
  }
  await route();
}

function start() {
  document.getElementById('sign-out').addEventListener('click', () => signOut('Signed out.'));
  // The skip link moves focus; it must not change the hash (the router's).
  document.querySelector('.skip').addEventListener('click', (event) => {
    event.preventDefault();
    main().focus();
  });
  window.addEventListener('hashchange', route);
  route();
}

document.addEventListener('DOMContentLoaded', start);
