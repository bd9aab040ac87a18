// The dynaflow dashboard. Every value from the store is put in the page with textContent or
// SVG text nodes (never parsed as HTML), so a step error such as "<script>..." shows as text.
'use strict';

const STATUSES = ['PENDING', 'RUNNING', 'SLEEPING', 'COMPENSATING', 'COMPLETED', 'FAILED',
                  'COMPENSATED', 'CANCELLED'];
const SVG = 'http://www.w3.org/2000/svg';
let info = { read_only: true };
let timer = null;

// The bearer token, given once as #token=... (kept for this tab only, removed from the URL).
(function takeToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem('dynaflow-token', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
})();

function headers(extra) {
  const h = Object.assign({}, extra || {});
  const token = sessionStorage.getItem('dynaflow-token');
  if (token) h['Authorization'] = 'Bearer ' + token;
  return h;
}

async function api(path, options) {
  const opts = Object.assign({ headers: headers() }, options || {});
  const res = await fetch(path, opts);
  let body = null;
  try { body = await res.json(); } catch (e) { body = { error: 'HTTP ' + res.status }; }
  if (!res.ok) {
    const err = new Error(body && body.error ? body.error : 'HTTP ' + res.status);
    err.status = res.status;
    throw err;
  }
  return body;
}

// The form that asks for the bearer token (kept in sessionStorage for this tab).
function tokenForm(message) {
  const input = el('input', { type: 'password', id: 'token-input', autocomplete: 'off',
                              placeholder: 'bearer token' });
  const form = el('form', { class: 'filters', id: 'token-form' },
                  el('label', {}, 'token', input), el('button', { type: 'submit' }, 'Use token'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem('dynaflow-token', input.value);
    location.reload();
  });
  return el('section', {}, el('h1', {}, 'Sign in'),
            el('p', { class: 'muted' }, message + ' This dashboard needs its bearer token ' +
                                        '(dynaflow ui --auth-token); it stays in this tab only.'),
            form);
}

// The event name of a run's waiting_for ("EVENT#<name>"), or '' .
function awaitedEvent(r) {
  return r.waiting_for && r.waiting_for.startsWith('EVENT#') ? r.waiting_for.slice(6) : '';
}

// How long a run took: to its finish; a SLEEPING run until it parked (its last update), so the
// wait does not count; others until now.
function runDuration(r) {
  const end = r.finished_at || (r.status === 'SLEEPING' ? r.updated_at : new Date().toISOString());
  return duration(Date.parse(end) - Date.parse(r.created_at));
}

// el('td', {class: 'mono'}, 'text', childNode, ...): text arguments become text nodes.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function statusBadge(s) { return el('span', { class: 'status s-' + s }, s); }

function ago(iso) {
  if (!iso) return '';
  const d = (Date.now() - Date.parse(iso)) / 1000;
  if (d < 1) return 'just now';
  if (d < 60) return Math.floor(d) + 's ago';
  if (d < 3600) return Math.floor(d / 60) + 'm ago';
  if (d < 86400) return Math.floor(d / 3600) + 'h ago';
  return Math.floor(d / 86400) + 'd ago';
}

function duration(ms) {
  if (ms < 1000) return Math.round(ms) + 'ms';
  if (ms < 60000) return (ms / 1000).toFixed(2) + 's';
  return Math.floor(ms / 60000) + 'm' + String(Math.floor(ms / 1000) % 60).padStart(2, '0') + 's';
}

function runLink(id) {
  const a = el('a', { href: '/?run=' + encodeURIComponent(id), class: 'mono run-link' }, id);
  return a;
}

function render(...nodes) {
  const app = document.getElementById('app');
  app.replaceChildren(...nodes.filter((n) => n !== null && n !== undefined));
}

function schedule(fn) {
  clearTimeout(timer);
  timer = setTimeout(() => {
    if (document.getElementById('auto-refresh').checked) fn(); else schedule(fn);
  }, 5000);
}

// ---------------------------------------------------------------- run list

async function showList(params) {
  const form = el('form', { class: 'filters', id: 'filters' });
  const field = (name, label, input) => { input.name = name; input.value = params.get(name) || '';
                                          form.appendChild(el('label', {}, label, input)); };
  field('workflow', 'workflow id', el('input', { placeholder: 'any (by status)' }));
  const selected = (params.get('status') || '').split(',').filter((x) => x);
  const status = el('select', { multiple: 'multiple', size: 3, id: 'status-select' });
  for (const s of STATUSES) {
    const o = el('option', { value: s }, s);
    if (selected.includes(s)) o.selected = true;
    status.appendChild(o);
  }
  form.appendChild(el('label', {}, 'status (several: ctrl-click)', status));
  field('since', 'since', el('input', { placeholder: '2h, 2024-01-01' }));
  field('until', 'until', el('input', { placeholder: '30m, RFC 3339' }));
  field('business_key', 'business key', el('input', { placeholder: 'with a workflow id' }));
  field('tag', 'tag', el('input', { placeholder: 'key=value' }));
  form.appendChild(el('button', { type: 'submit' }, 'Filter'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const n of ['workflow', 'since', 'until', 'business_key', 'tag']) if (form[n].value) q.set(n, form[n].value);
    const chosen = Array.from(status.selectedOptions).map((o) => o.value);
    if (chosen.length) q.set('status', chosen.join(','));
    location.search = q.toString();
  });

  const query = new URLSearchParams();
  for (const n of ['workflow', 'status', 'since', 'until', 'business_key', 'tag', 'cursor']) {
    if (params.get(n)) query.set(n, params.get(n));
  }
  query.set('limit', '25');
  const counts = el('div', { class: 'counts', id: 'counts' });
  const body = el('tbody', { id: 'runs' });
  const table = el('table', { id: 'run-table' },
    el('thead', {}, el('tr', {}, ...['Run', 'Workflow', 'Status', 'Created', 'Duration',
                                       'Business key', 'Error'].map((h) => el('th', {}, h)))), body);
  const pager = el('div', { class: 'pager' });
  const message = el('p', { class: 'error', id: 'list-error' });
  render(el('h1', {}, 'Runs'), form, counts, message, table, pager);

  const load = async () => {
    try {
      const cq = new URLSearchParams();
      for (const n of ['workflow', 'since', 'until']) if (params.get(n)) cq.set(n, params.get(n));
      const [page, c] = await Promise.all([api('/api/runs?' + query), api('/api/counts?' + cq)]);
      counts.replaceChildren(...STATUSES.map((s) => {
        const q = new URLSearchParams(cq); q.set('status', s);
        const attrs = { href: '/?' + q, 'data-status': s };
        if (selected.includes(s)) attrs.class = 'selected';
        return el('a', attrs, s + ' ', el('b', {}, String(c.counts[s])));
      }), el('span', { class: 'muted' }, 'total ' + c.total));
      body.replaceChildren(...page.runs.map((r) => el('tr', { 'data-run': r.run_id },
        el('td', {}, runLink(r.run_id)), el('td', {}, r.workflow_id + ' v' + r.workflow_version),
        el('td', {}, statusBadge(r.status)), el('td', { title: r.created_at }, ago(r.created_at)),
        el('td', {}, runDuration(r)),
        el('td', {}, r.business_key || ''), el('td', { class: 'error' }, (r.error || '').slice(0, 120)))));
      if (page.runs.length === 0) body.appendChild(el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'no runs match')));
      const buttons = [];
      if (params.get('cursor')) {
        const q = new URLSearchParams(params); q.delete('cursor');
        buttons.push(el('a', { href: '/?' + q }, 'First page'));
      }
      if (page.next_cursor) {
        const q = new URLSearchParams(params); q.set('cursor', page.next_cursor);
        buttons.push(el('a', { href: '/?' + q, id: 'next-page' }, 'Next page'));
      }
      pager.replaceChildren(...buttons);
      message.textContent = '';
    } catch (e) {
      if (e.status === 401) { render(tokenForm(e.message + '.')); return; }
      message.textContent = e.message;
    }
    schedule(load);
  };
  await load();
}

// ---------------------------------------------------------------- run page

function timeline(run, steps) {
  let t0 = Date.parse(run.created_at);
  for (const s of steps) t0 = Math.min(t0, Date.parse(s.started_at));
  let end = Date.parse(run.finished_at || run.updated_at);
  for (const s of steps) end = Math.max(end, Date.parse(s.finished_at));
  const span = Math.max(end - t0, 1);
  const labelW = 260, chartW = 760, rowH = 26, top = 24;
  const height = top + rowH * Math.max(steps.length, 1) + 10;
  const root = svg('svg', { class: 'timeline', id: 'timeline', width: labelW + chartW + 20, height,
                            viewBox: `0 0 ${labelW + chartW + 20} ${height}`, role: 'img' });
  root.appendChild(svg('title', {}, 'Timeline of the steps and compensations'));
  for (let i = 0; i <= 4; i++) {
    const x = labelW + (chartW * i) / 4;
    root.appendChild(svg('line', { class: 'grid', x1: x, x2: x, y1: top - 6, y2: height - 6 }));
    const anchor = i === 4 ? { x: x - 2, y: 14, 'text-anchor': 'end' } : { x: x + 2, y: 14 };
    root.appendChild(svg('text', anchor, '+' + duration((span * i) / 4)));
  }
  steps.forEach((s, i) => {
    const y = top + i * rowH;
    const x0 = labelW + ((Date.parse(s.started_at) - t0) / span) * chartW;
    const w = Math.max(((Date.parse(s.finished_at) - Date.parse(s.started_at)) / span) * chartW, 2);
    const known = ['COMPLETED', 'SKIPPED', 'FAILED', 'COMPENSATED'].includes(s.status);
    const g = svg('g', { class: 'step' + (s.status === 'FAILED' ? ' failed' : '') +
                                (s.compensation ? ' compensation' : ''), 'data-step': s.step_id });
    const label = (s.status === 'FAILED' ? '✕ ' : '') + s.step_id +
                  (s.attempt > 1 ? ` (attempt ${s.attempt}, ${s.attempt - 1} retr${s.attempt > 2 ? 'ies' : 'y'})` : '');
    g.appendChild(svg('text', { x: 4, y: y + 16 }, label));
    const bar = svg('rect', { class: 'bar-' + (known ? s.status : 'other'), x: x0, y: y + 4,
                              width: w, height: rowH - 8, rx: 3 });
    bar.appendChild(svg('title', {}, `${s.step_id}: ${s.status}, attempt ${s.attempt}, ` +
                                     duration(s.duration_ms) + (s.error ? '\n' + s.error : '')));
    g.appendChild(bar);
    root.appendChild(g);
  });
  return root;
}

function payloadBlock(title, p) {
  if (!p) return null;
  const head = el('h2', {}, title + ' ', el('span', { class: 'muted' }, `(${p.bytes} bytes)`));
  const pre = el('pre', { class: 'payload' }, p.text);
  const parts = [head, pre];
  if (p.truncated) {
    const note = el('p', { class: 'error' });
    const full = el('button', { class: 'full-payload', onclick: async () => {
      try {
        const res = await fetch(p.href, { headers: headers() });
        if (!res.ok) throw new Error('HTTP ' + res.status);
        pre.textContent = await res.text();
        full.remove();
      } catch (e) { note.textContent = e.message; }
    } }, 'Show the full payload');
    parts.push(el('p', {}, 'Truncated. ', full), note);
  }
  return el('section', {}, ...parts);
}

async function action(kind, runId, message) {
  if (!confirm(`${kind} run ${runId}?`)) return;
  try {
    const r = await api(`/api/runs/${encodeURIComponent(runId)}/${kind}`,
                        { method: 'POST', headers: headers({ 'X-Dynaflow-CSRF': '1' }) });
    message.textContent = kind === 'retry' ? 'retried as run ' + r.run_id
      : r.result === 'cancel requested'
        ? 'Cancel requested: the run is handed to a worker, which compensates its completed ' +
          'steps and ends it CANCELLED.'
        : 'cancel: ' + r.result;
    if (kind === 'retry') location.search = '?run=' + encodeURIComponent(r.run_id);
  } catch (e) {
    message.textContent = e.message;
  }
}

async function showRun(id) {
  const load = async () => {
    let d;
    try {
      d = await api('/api/runs/' + encodeURIComponent(id));
    } catch (e) {
      if (e.status === 401) { render(tokenForm(e.message + '.')); return; }
      render(el('h1', {}, 'Run ', el('span', { class: 'mono' }, id)), el('p', { class: 'error', id: 'run-error' }, e.message));
      return;
    }
    const r = d.run;
    const message = el('p', { class: 'error', id: 'action-message' });
    const terminal = ['COMPLETED', 'FAILED', 'COMPENSATED', 'CANCELLED'].includes(r.status);
    const cancel = el('button', { class: 'danger', id: 'cancel', onclick: () => action('cancel', id, message) }, 'Cancel run');
    const retry = el('button', { id: 'retry', onclick: () => action('retry', id, message) }, 'Retry from failed step');
    cancel.disabled = info.read_only || terminal || r.cancel_requested;
    if (r.cancel_requested && !terminal) cancel.title = 'cancel requested already';
    retry.disabled = info.read_only || r.status !== 'FAILED';
    if (info.read_only) { cancel.title = retry.title = 'read-only dashboard'; }
    const buttons = [cancel];
    if (r.retried_by) {
      buttons.push(el('span', { id: 'retried-by' }, 'Retried as ', runLink(r.retried_by)));
    } else {
      buttons.push(retry);
    }
    const fields = el('dl', { class: 'fields', id: 'run-fields' });
    const add = (k, v) => { if (v !== undefined && v !== null && v !== '') fields.append(el('dt', {}, k), el('dd', {}, v)); };
    add('Status', statusBadge(r.status));
    add('Workflow', r.workflow_id + ' v' + r.workflow_version);
    add('Business key', r.business_key);
    const tags = Object.entries(r.tags);
    if (tags.length) {
      add('Tags', el('span', { id: 'tags' }, ...tags.flatMap(([k, v], i) => [
        i ? ', ' : '', k + '=', k === 'dynaflow.retry_of' ? runLink(v) : v])));
    }
    add('Retried by', r.retried_by ? runLink(r.retried_by) : '');
    add('Created', r.created_at);
    add('Finished', r.finished_at);
    add('Duration', runDuration(r));
    if (!terminal) add('Due', r.due_at ? r.due_at + ' (' + ago(r.due_at) + ')' : '');
    add('Waiting for', awaitedEvent(r) ? 'event "' + awaitedEvent(r) + '"'
                                       : (r.waiting_for ? r.waiting_for : ''));
    add('Deadline', r.deadline);
    add('Lease', r.lease_owner ? `${r.lease_owner} until ${r.lease_expires_at}` : 'none');
    add('Lease epoch', String(d.lease_epoch));
    add('Version', String(r.version));
    add('Cancel requested', r.cancel_requested && !terminal
      ? 'yes: a worker picks the run up, compensates its completed steps and ends it CANCELLED'
      : '');
    if (r.error) add('Error', el('span', { class: 'error', id: 'run-error-text' }, r.error));
    const rows = d.steps.map((s) => el('tr', { class: s.status === 'FAILED' ? 'failed' : '' },
      el('td', { class: 'mono' }, s.step_id), el('td', {}, statusBadge(s.status)), el('td', {}, String(s.attempt)),
      el('td', {}, duration(s.duration_ms)), el('td', { class: 'error step-error' }, s.error || '')));
    const steps = el('table', { id: 'steps' }, el('thead', {}, el('tr', {},
      ...['Step', 'Status', 'Attempt', 'Duration', 'Error'].map((h) => el('th', {}, h)))), el('tbody', {}, ...rows));
    const outputs = Object.entries(d.outputs).map(([k, p]) => payloadBlock('Output of ' + k, p));
    const events = (d.events || []).map((e) => el('tr', { 'data-event': e.event_id },
      el('td', { class: 'mono' }, e.name), el('td', { class: 'mono' }, e.event_id),
      el('td', { title: e.sent_at }, ago(e.sent_at)), el('td', {}, el('pre', { class: 'payload' }, e.payload.text))));
    const eventTable = events.length === 0 ? null : el('section', {}, el('h2', {}, 'Events'),
      el('table', { id: 'events' }, el('thead', {}, el('tr', {},
        ...['Event', 'Event id', 'Sent', 'Payload'].map((h) => el('th', {}, h)))), el('tbody', {}, ...events)));
    render(el('p', {}, el('a', { href: '/' }, '← runs')),
           el('h1', {}, 'Run ', el('span', { class: 'mono', id: 'run-id' }, r.run_id)),
           el('div', { class: 'actions' }, ...buttons), message, fields,
           el('h2', {}, 'Timeline'), timeline(r, d.steps), el('h2', {}, 'Steps'), steps, eventTable,
           payloadBlock('Input', d.input), ...outputs, payloadBlock('Result', d.result));
    if (!terminal) schedule(load);
  };
  await load();
}

// ---------------------------------------------------------------- schedules

async function scheduleAction(kind, id, message) {
  try {
    await api(`/api/schedules/${encodeURIComponent(id)}/${kind}`,
              { method: 'POST', headers: headers({ 'X-Dynaflow-CSRF': '1' }) });
    location.reload();
  } catch (e) {
    message.textContent = e.message;
  }
}

async function showSchedules() {
  const message = el('p', { class: 'error', id: 'schedule-error' });
  let page;
  try {
    page = await api('/api/schedules');
  } catch (e) {
    if (e.status === 401) { render(tokenForm(e.message + '.')); return; }
    render(el('h1', {}, 'Schedules'), el('p', { class: 'error' }, e.message));
    return;
  }
  const rows = page.schedules.map((s) => {
    const toggle = el('button', { class: 'schedule-toggle',
                                  onclick: () => scheduleAction(s.paused ? 'resume' : 'pause', s.schedule_id, message) },
                      s.paused ? 'Resume' : 'Pause');
    toggle.disabled = info.read_only;
    const runsOf = new URLSearchParams({ workflow: s.workflow_id, tag: 'dynaflow.schedule=' + s.schedule_id });
    return el('tr', { 'data-schedule': s.schedule_id },
      el('td', { class: 'mono' }, s.schedule_id), el('td', {}, s.workflow_id + ' v' + s.workflow_version),
      el('td', { class: 'mono' }, s.cron + (s.time_zone ? ' (' + s.time_zone + ')' : '')),
      el('td', {}, s.paused ? statusBadge('PAUSED') : s.next_fire_at),
      el('td', {}, String(s.fired)), el('td', {}, String(s.skipped)),
      el('td', {}, s.last_run_id ? runLink(s.last_run_id) : '', ' ',
         el('a', { href: '/?' + runsOf }, 'runs')),
      el('td', {}, toggle));
  });
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: 8, class: 'muted' }, 'no schedules')));
  render(el('h1', {}, 'Schedules'), message,
         el('table', { id: 'schedules' }, el('thead', {}, el('tr', {},
           ...['Schedule', 'Workflow', 'Cron', 'Next fire', 'Fired', 'Skipped', 'Last run', ''].map((h) => el('th', {}, h)))),
           el('tbody', {}, ...rows)));
}

async function main() {
  try {
    info = await api('/api/info');
  } catch (e) {
    info = { read_only: true, auth: e.status === 401 };
  }
  document.getElementById('mode').textContent = info.read_only ? 'read-only' : '';
  const params = new URLSearchParams(location.search);
  if (params.get('run')) await showRun(params.get('run'));
  else if (params.get('page') === 'schedules') await showSchedules();
  else await showList(params);
  document.body.setAttribute('data-rendered', 'true');
}

main();
