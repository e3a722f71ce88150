/**
 * The dashboard page: one HTML document and one script, plain browser JavaScript with no build step (the
 * packed package ships them as they are), plus dagre (its own browser bundle) for the graph layout. The
 * page draws what the supervisor sends (session/dashboard.ts) and sends only two things back: a restart,
 * with or without dependents, and the token in an Authorization header — never in a form, so a page on
 * another origin cannot make it act.
 */
import { NODE_COLOURS } from './view.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page; `token` is the one the request was admitted with (it goes into the asset URLs). */
export function dashboardHtml(stack: string, token: string): string {
  const t = encodeURIComponent(token);
  const colours = Object.entries(NODE_COLOURS)
    .map(([state, colour]) => `.node[data-state="${state}"] rect { fill: ${colour}; } .chip[data-state="${state}"] { background: ${colour}; }`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>stack · ${escapeHtml(stack)}</title>
<style>
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; color: #1d232b; background: #f4f6f8; }
header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1em; background: #1d232b; color: #fff; }
header h1 { font-size: 1.1em; margin: 0; }
#conn { font-size: .85em; opacity: .8; }
main { display: grid; grid-template-columns: 1fr 380px; gap: 1em; padding: 1em; }
#graph { width: 100%; height: 60vh; background: #fff; border: 1px solid #d6dbe1; border-radius: 6px; }
.node { cursor: pointer; }
.node rect { stroke: #1d232b33; stroke-width: 1; }
.node text { fill: #fff; font-size: 13px; pointer-events: none; }
.node text.state { font-size: 11px; opacity: .9; }
.node.selected rect { stroke: #1d232b; stroke-width: 3; }
.edge path { fill: none; stroke: #8a8f98; stroke-width: 1.5; }
.edge text { fill: #5a6068; font-size: 11px; }
aside { background: #fff; border: 1px solid #d6dbe1; border-radius: 6px; padding: .8em 1em; overflow: auto; max-height: 80vh; }
aside h2 { margin: .2em 0 .4em; font-size: 1.1em; }
.chip { display: inline-block; color: #fff; border-radius: 3px; padding: 0 .4em; font-size: .85em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em .8em; margin: .5em 0; }
dt { color: #5a6068; }
dd { margin: 0; word-break: break-word; }
button { margin: .3em .3em .3em 0; padding: .3em .8em; }
pre#logs { background: #1d232b; color: #e6e6e6; padding: .5em; height: 14em; overflow: auto; font-size: 12px; white-space: pre-wrap; }
section#events { padding: 0 1em 1em; }
#eventlist { list-style: none; padding: 0; margin: 0; max-height: 14em; overflow: auto; background: #fff; border: 1px solid #d6dbe1; border-radius: 6px; font: 12px/1.5 ui-monospace, monospace; }
#eventlist li { padding: 0 .6em; border-bottom: 1px solid #eef0f2; }
.bad { color: #d2452f; }
${colours}
</style>
</head>
<body>
<header><h1>stack · <span id="stack">${escapeHtml(stack)}</span></h1><span id="conn">connecting…</span></header>
<main>
<svg id="graph" role="img" aria-label="the stack's dependency graph"></svg>
<aside id="panel"><p>Click a service for its state, probes, logs and events.</p></aside>
</main>
<section id="events"><h2>Events</h2><ol id="eventlist"></ol></section>
<script src="/dashboard/dagre.js?token=${t}"></script>
<script src="/dashboard/app.js?token=${t}"></script>
</body>
</html>
`;
}

/** The page's script: the live feed, the graph, a service's panel, the two actions. */
export const DASHBOARD_JS = String.raw`(() => {
  'use strict';
  const token = new URLSearchParams(location.search).get('token') || '';
  const withToken = (path) => path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token);
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, ...children) => {
    const svg = ['svg', 'g', 'rect', 'text', 'path', 'polyline', 'circle'].includes(tag);
    const node = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
    for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  };
  let view = null;
  let layoutKey = '';
  let positions = null;
  let selected = null;
  let logs = null;
  const probes = {};
  const events = [];
  const actionResult = {};

  const feed = new EventSource(withToken('/api/events'));
  feed.addEventListener('open', () => ($('conn').textContent = 'live'));
  feed.addEventListener('error', () => ($('conn').textContent = 'reconnecting…'));
  feed.addEventListener('view', (m) => {
    view = JSON.parse(m.data);
    drawGraph();
    if (selected) drawPanel();
  });
  feed.addEventListener('event', (m) => {
    const e = JSON.parse(m.data);
    const probing = e.type === 'probe' || e.type === 'liveness';
    if (probing) {
      const list = (probes[e.service] = probes[e.service] || []);
      list.push(e.result);
      if (list.length > 40) list.shift();
    }
    events.push(e);
    if (events.length > 300) events.shift();
    if (!probing || !e.result.ok) addEventRow(e);
    if (selected && e.service === selected) drawPanel();
  });

  function describe(e) {
    switch (e.type) {
      case 'service': return e.service + ' ' + e.state + (e.detail ? ': ' + e.detail : '');
      case 'probe': return e.service + ' probe ' + (e.result.ok ? 'ok' : 'failed: ' + e.result.error);
      case 'liveness': return e.service + ' liveness ' + (e.result.ok ? 'ok' : 'failed (' + e.failures + '/' + e.threshold + '): ' + e.result.error);
      case 'detected': return e.service + ' ' + e.trigger + ': ' + e.reason + (e.healed ? '' : ' (not healed)');
      case 'restart': return e.service + ' restart #' + e.attempt + ' (' + e.why + ')';
      case 'recovered': return e.service + ' recovered after ' + Math.round(e.downMs / 100) / 10 + ' s';
      case 'breaker': return e.service + ' breaker ' + (e.open ? 'OPEN: ' + e.reason : 'closed');
      case 'backoff': return e.service + ' next restart in ' + Math.round(e.delayMs / 100) / 10 + ' s';
      case 'failure': return e.report.service + ' failed: ' + e.report.reason;
      case 'config': return 'config: ' + e.detail;
      case 'supervisor': return 'supervisor ' + (e.phase || '') + (e.detail ? ': ' + e.detail : '');
      default: return e.type + (e.service ? ' ' + e.service : '');
    }
  }
  function addEventRow(e) {
    const list = $('eventlist');
    const bad = e.type === 'failure' || e.type === 'detected' || (e.type === 'breaker' && e.open) || ((e.type === 'probe' || e.type === 'liveness') && !e.result.ok);
    list.prepend(el('li', { class: bad ? 'bad' : '' }, (e.ts || '').slice(11, 23) + '  ' + describe(e)));
    while (list.children.length > 200) list.lastChild.remove();
  }

  function layout() {
    const key = view.services.map((s) => s.name).join(',') + '|' + view.edges.map((e) => e.from + '>' + e.to).join(',');
    if (key === layoutKey && positions) return;
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 70, marginx: 16, marginy: 16 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const s of view.services) g.setNode(s.name, { width: Math.max(120, s.name.length * 9 + 24), height: 46 });
    for (const e of view.edges) g.setEdge(e.from, e.to, { label: e.condition, width: 60, height: 14 });
    dagre.layout(g);
    positions = { g, width: g.graph().width, height: g.graph().height };
    layoutKey = key;
  }

  function drawGraph() {
    layout();
    const svg = $('graph');
    svg.setAttribute('viewBox', '0 0 ' + Math.max(positions.width, 200) + ' ' + Math.max(positions.height, 100));
    svg.replaceChildren();
    for (const e of view.edges) {
      const edge = positions.g.edge(e.from, e.to);
      if (!edge) continue;
      const d = edge.points.map((p, i) => (i ? 'L' : 'M') + p.x + ',' + p.y).join(' ');
      svg.append(el('g', { class: 'edge', 'data-from': e.from, 'data-to': e.to }, el('path', { d }), el('text', { x: edge.x, y: edge.y, 'text-anchor': 'middle' }, e.condition + (e.restart ? ' ↻' : ''))));
    }
    for (const s of view.services) {
      const n = positions.g.node(s.name);
      const node = el(
        'g',
        { class: 'node' + (s.name === selected ? ' selected' : ''), 'data-service': s.name, 'data-state': s.state, transform: 'translate(' + (n.x - n.width / 2) + ',' + (n.y - n.height / 2) + ')' },
        el('rect', { width: n.width, height: n.height, rx: 6 }),
        el('text', { x: 10, y: 19 }, s.name + (s.kind === 'process' ? ' (process)' : '')),
        el('text', { x: 10, y: 36, class: 'state' }, s.state + (s.restarts ? ' · ' + s.restarts + ' restarts' : '')),
      );
      node.addEventListener('click', () => select(s.name));
      svg.append(node);
    }
  }

  function select(name) {
    selected = name;
    if (logs) logs.close();
    const pre = el('pre', { id: 'logs' });
    logs = new EventSource(withToken('/api/logs?service=' + encodeURIComponent(name)));
    logs.addEventListener('log', (m) => {
      pre.append(JSON.parse(m.data) + '\n');
      while (pre.childNodes.length > 500) pre.firstChild.remove();
      pre.scrollTop = pre.scrollHeight;
    });
    drawGraph();
    drawPanel(pre);
  }

  function sparkline(list) {
    const w = 300, h = 40;
    const max = Math.max(10, ...list.map((r) => r.latencyMs));
    const pts = list.map((r, i) => [list.length < 2 ? w / 2 : (i * w) / (list.length - 1), h - 4 - ((h - 8) * r.latencyMs) / max]);
    const svg = el('svg', { width: w, height: h, class: 'sparkline', 'aria-label': 'probe latencies' }, el('polyline', { points: pts.map((p) => p.join(',')).join(' '), fill: 'none', stroke: '#5b7fa6' }));
    list.forEach((r, i) => svg.append(el('circle', { cx: pts[i][0], cy: pts[i][1], r: 2.5, fill: r.ok ? '#2e9e5b' : '#d2452f' })));
    return svg;
  }

  function drawPanel(keepLogs) {
    const s = view && view.services.find((x) => x.name === selected);
    if (!s) return;
    const panel = $('panel');
    const pre = keepLogs || $('logs') || el('pre', { id: 'logs' });
    const list = probes[s.name] || [];
    const last = list[list.length - 1];
    const facts = el('dl', {},
      el('dt', {}, 'state'), el('dd', {}, el('span', { class: 'chip', 'data-state': s.state }, s.state), ' ', s.why),
      el('dt', {}, 'restarts'), el('dd', {}, s.restarts),
      el('dt', {}, 'breaker'), el('dd', { id: 'breaker' }, s.breaker + (s.nextRetryAt ? ' · next retry ' + s.nextRetryAt.slice(11, 19) : '')),
      el('dt', {}, 'ports'), el('dd', {}, ...(s.ports.length ? s.ports.flatMap((p, i) => [i ? ', ' : '', p.url ? el('a', { href: p.url, target: '_blank', rel: 'noopener' }, p.host + '→' + p.container) : p.host + '→' + p.container]) : ['-'])),
      el('dt', {}, 'last probe'), el('dd', {}, last ? (last.ok ? 'ok' : 'failed: ' + last.error) + ' in ' + last.latencyMs + ' ms' : s.lastProbe ? (s.lastProbe.ok ? 'ok' : 'failed: ' + s.lastProbe.error) + ' in ' + s.lastProbe.latencyMs + ' ms' : '-'),
      el('dt', {}, 'last failure'), el('dd', {}, s.lastFailure ? s.lastFailure.at.slice(11, 19) + ' ' + s.lastFailure.reason : '-'),
    );
    const own = events.filter((e) => e.service === s.name && !((e.type === 'probe' || e.type === 'liveness') && e.result.ok)).slice(-15).reverse();
    const result = el('p', { id: 'result' }, actionResult[s.name] || '');
    const say = (text) => { actionResult[s.name] = text; const now = $('result'); if (now) now.textContent = text; };
    const restart = (withDependents) => async () => {
      say('restarting…');
      const res = await fetch('/restart', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token }, body: JSON.stringify({ services: [s.name], withDependents }) });
      const body = await res.json().catch(() => ({}));
      say(res.ok ? body.results.map((r) => r.service + (r.ok ? ' healthy' : ' failed: ' + r.reason)).join('; ') : 'refused: ' + (body.error || res.status));
    };
    const b1 = el('button', { id: 'restart' }, s.breaker === 'open' ? 'Close breaker and restart' : 'Restart');
    b1.addEventListener('click', restart(false));
    const b2 = el('button', { id: 'restart-dependents' }, 'Restart with dependents');
    b2.addEventListener('click', restart(true));
    panel.replaceChildren(
      el('h2', {}, s.name),
      facts,
      el('div', {}, b1, b2),
      result,
      el('h3', {}, 'Probe latencies'), list.length ? sparkline(list) : el('p', {}, 'no probe results yet'),
      el('h3', {}, 'Logs'), pre,
      el('h3', {}, 'Events'), el('ol', { id: 'service-events' }, ...own.map((e) => el('li', {}, (e.ts || '').slice(11, 19) + ' ' + describe(e)))),
    );
  }
})();
`;
