#!/usr/bin/env node
// Usage: node tests/render/validate_json.js [--schema docs/report.schema.json] [--no-negative] FILE.json...
//
// Validates each `tlrecon report|check --format json` document against the JSON Schema
// (draft 2020-12, ajv + ajv-formats from tests/tools/node_modules), then checks what a
// schema cannot say (start <= end, evidence and timeline in time order, ids unique, ...).
// Negative controls: mutated copies of the first valid document of each command (a
// severity "urgent", a time without Z, a missing key, ...) must each FAIL, at the mutated
// place, so the test proves it can fail. Prints one line per document and per control,
// then "N passed, M failed"; exits 1 on any failure, 2 on bad usage.
'use strict';
const fs = require('fs');
const path = require('path');
const {createRequire} = require('module');

const ROOT = path.resolve(__dirname, '..', '..');
const toolsRequire = createRequire(path.join(ROOT, 'tests', 'tools', 'package.json'));
let Ajv2020, addFormats;
try {
  Ajv2020 = toolsRequire('ajv/dist/2020').default;
  addFormats = toolsRequire('ajv-formats').default;
} catch (e) {
  console.error(`validate_json: ajv is not installed in tests/tools (run scripts/install_test_tools.sh): ${e.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// ---------------------------------------------------------------------------- arguments
let schemaPath = path.join(ROOT, 'docs', 'report.schema.json');
let negative = true;
const files = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--schema') schemaPath = argv[++i];
  else if (argv[i] === '--no-negative') negative = false;
  else if (argv[i].startsWith('-')) { console.error(`validate_json: unknown option ${argv[i]}`); process.exit(2); }
  else files.push(argv[i]);
}
if (files.length === 0 || !schemaPath) {
  console.error('usage: validate_json.js [--schema FILE] [--no-negative] FILE.json...');
  process.exit(2);
}

// strict: unknown keywords, required keys not declared etc. are schema errors; strictTypes is off
// because it wants a "type" in every if/then branch.
const ajv = new Ajv2020({allErrors: true, strict: true, strictTypes: false});
addFormats(ajv, ['date-time']);
let validate;
try {
  validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));
} catch (e) {
  console.error(`validate_json: the schema ${schemaPath} does not compile: ${e.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// ---------------------------------------------------------------------------- semantic checks
const SEVERITY = {info: 0, low: 1, medium: 2, high: 3, critical: 4};

// RFC 3339 UTC with Z -> comparable key (microseconds since the epoch as a BigInt).
function timeKey(s) {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(String(s));
  if (!m) return null;
  const ms = Date.parse(m[1] + 'Z');
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1000n + BigInt(((m[2] || '') + '000000').slice(0, 6));
}

function semanticErrors(doc) {
  const errs = [];
  const t = timeKey;
  const since = t(doc.window.since), until = t(doc.window.until);
  if (!(since < until)) errs.push(`/window: since ${doc.window.since} is not before until ${doc.window.until}`);
  const unique = (list, what) => {
    const seen = new Set();
    for (const x of list) { if (seen.has(x)) errs.push(`${what}: ${JSON.stringify(x)} appears twice`); seen.add(x); }
  };
  unique(doc.sources.map(s => s.table), '/sources');
  unique(doc.detectors.map(d => d.name), '/detectors');
  unique(doc.findings.map(f => f.id), '/findings');
  doc.findings.forEach((f, i) => {
    const p = `/findings/${i}`;
    if (t(f.start) > t(f.end)) errs.push(`${p}: start ${f.start} is after end ${f.end}`);
    if (f.open && f.end !== doc.window.until) errs.push(`${p}: open, but end ${f.end} is not the window's end ${doc.window.until}`);
    if (f.evidence.length !== Math.min(f.evidence_total, 20))
      errs.push(`${p}: ${f.evidence.length} evidence rows listed, evidence_total ${f.evidence_total} (expected min(total, 20))`);
    for (let k = 1; k < f.evidence.length; k++)
      if (t(f.evidence[k - 1].time) > t(f.evidence[k].time)) { errs.push(`${p}/evidence/${k}: not in time order`); break; }
    if (f.related.includes(f.id)) errs.push(`${p}/related: lists the finding itself`);
    if (i > 0) {
      const g = doc.findings[i - 1];
      const a = SEVERITY[g.severity], b = SEVERITY[f.severity];
      if (a < b || (a === b && t(g.start) > t(f.start)))
        errs.push(`${p}: not in order (most severe first, then by start): ${g.id} ${g.severity} ${g.start} before ${f.id} ${f.severity} ${f.start}`);
    }
  });
  if (doc.command === 'report') {
    // report lists every finding: ids are F1..Fn, numbered in time order; related ids exist.
    const ids = new Set(doc.findings.map(f => f.id));
    const byNumber = [...doc.findings].sort((x, y) => Number(x.id.slice(1)) - Number(y.id.slice(1)));
    byNumber.forEach((f, k) => { if (f.id !== `F${k + 1}`) errs.push(`/findings: ids are not F1..F${byNumber.length} (found ${f.id})`); });
    for (let k = 1; k < byNumber.length; k++)
      if (t(byNumber[k - 1].start) > t(byNumber[k].start)) errs.push(`/findings: ${byNumber[k - 1].id} starts after ${byNumber[k].id}; ids are not in time order`);
    doc.findings.forEach((f, i) => f.related.forEach(r => { if (!ids.has(r)) errs.push(`/findings/${i}/related: ${r} is not a finding`); }));
    let prev = null;
    doc.activity.forEach((a, i) => {
      const s = t(a.start);
      if (s < since || s >= until) errs.push(`/activity/${i}: start ${a.start} outside the window`);
      if ((s - since) % 300000000n !== 0n) errs.push(`/activity/${i}: start ${a.start} is not on a 5-minute step from since`);
      if (prev !== null && s <= prev) errs.push(`/activity/${i}: not in time order`);
      prev = s;
    });
    for (let k = 1; k < doc.timeline.length; k++)
      if (t(doc.timeline[k - 1].time) > t(doc.timeline[k].time)) { errs.push(`/timeline/${k}: not in time order`); break; }
  }
  return errs;
}

function check(doc) {
  if (!validate(doc)) {
    return validate.errors.map(e => {
      let msg = `${e.instancePath || '/'} ${e.message}`;
      if (e.params && e.params.allowedValues) msg += ` (${e.params.allowedValues.join(', ')})`;
      if (e.params && e.params.additionalProperty) msg += ` (${JSON.stringify(e.params.additionalProperty)})`;
      return {path: e.instancePath, msg};
    });
  }
  return semanticErrors(doc).map(m => ({path: m.split(':')[0], msg: `semantic: ${m}`}));
}

// ---------------------------------------------------------------------------- negative controls
// Each mutates a deep copy; `at` is where the rejection must be reported.
const MUTATIONS = [
  {name: 'severity "urgent"', when: d => d.findings.length > 0,
    apply: d => { d.findings[0].severity = 'urgent'; }, at: '/findings/0/severity'},
  {name: 'window.since without Z', when: () => true,
    apply: d => { d.window.since = d.window.since.replace(/Z$/, ''); }, at: '/window/since'},
  {name: 'finding start with +00:00 instead of Z', when: d => d.findings.length > 0,
    apply: d => { d.findings[0].start = d.findings[0].start.replace(/Z$/, '+00:00'); }, at: '/findings/0/start'},
  {name: 'evidence time on the 30th of February', when: d => d.findings.length > 0,
    apply: d => { d.findings[0].evidence[0].time = '2025-02-30T10:00:00Z'; }, at: '/findings/0/evidence/0/time'},
  {name: 'finding without title', when: d => d.findings.length > 0,
    apply: d => { delete d.findings[0].title; }, at: '/findings/0'},
  {name: 'unknown top-level key', when: () => true,
    apply: d => { d.extra = true; }, at: ''},
  {name: 'source status "broken"', when: () => true,
    apply: d => { d.sources[0].status = 'broken'; }, at: '/sources/0/status'},
  {name: 'skipped detector without a reason', when: () => true,
    apply: d => { d.detectors[0].status = 'skipped'; d.detectors[0].reason = ''; }, at: '/detectors/0/reason'},
  {name: 'schema_version 2', when: () => true,
    apply: d => { d.schema_version = 2; }, at: '/schema_version'},
  {name: 'report without timeline / check with activity', when: () => true,
    apply: d => { if (d.command === 'report') delete d.timeline; else d.activity = []; }, at: ''},
  {name: 'finding end before its start (semantic)', when: d => d.findings.length > 0,
    apply: d => { d.findings[0].end = d.window.since; d.findings[0].start = d.window.until; d.findings[0].open = false; },
    at: '/findings/0'},
];

// ---------------------------------------------------------------------------- run
let passed = 0, failed = 0;
const firstValid = {};
for (const file of files) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.log(`FAIL  ${file}: not a JSON document: ${e.message}`);
    failed++;
    continue;
  }
  const errs = check(doc);
  if (errs.length === 0) {
    passed++;
    const extra = doc.command === 'report' ? `, ${doc.timeline.length} timeline events, ${doc.activity.length} activity rows` : '';
    console.log(`PASS  ${file} (${doc.command}, ${doc.findings.length} findings${extra})`);
    if (!(doc.command in firstValid)) firstValid[doc.command] = {file, doc};
  } else {
    failed++;
    console.log(`FAIL  ${file}: ${errs.length} error(s)`);
    for (const e of errs.slice(0, 20)) console.log(`        ${e.msg}`);
    if (errs.length > 20) console.log(`        ... and ${errs.length - 20} more`);
  }
}

if (negative) {
  const bases = Object.values(firstValid);
  if (bases.length === 0) {
    console.log('FAIL  negative controls: no valid document to mutate');
    failed++;
  }
  for (const {file, doc} of bases) {
    for (const m of MUTATIONS) {
      if (!m.when(doc)) continue;
      const copy = JSON.parse(JSON.stringify(doc));
      m.apply(copy);
      const errs = check(copy);
      const hit = errs.find(e => e.path === m.at || (m.at !== '' && e.path.startsWith(m.at + '/')));
      const label = `negative control ${path.basename(file)}: ${m.name}`;
      if (hit) {
        passed++;
        console.log(`PASS  ${label}: rejected as expected (${hit.msg})`);
      } else if (errs.length) {
        failed++;
        console.log(`FAIL  ${label}: rejected, but not at ${m.at || '/'}: ${errs[0].msg}`);
      } else {
        failed++;
        console.log(`FAIL  ${label}: ACCEPTED, the schema does not catch it`);
      }
    }
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
