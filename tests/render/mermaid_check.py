#!/usr/bin/env python3
"""Helper for check_mermaid.sh (python3 stdlib only).

  prepare --dir DIR --mermaid-js FILE [--report NAME=MARKDOWN]...
          [--expect-render-error NAME=CHART]... [--expect-lint-error NAME=CHART]...
      Extracts every ```mermaid block of each markdown report, adds the negative
      controls, and writes DIR/check.html + DIR/check.js (the page headless
      Chromium loads) and DIR/manifest.json.
  verdict --dir DIR --dom DUMPED_DOM
      Reads back what the page wrote, lints every chart's text, prints one line
      per chart and "N passed, M failed"; exit 0 only if all passed.
  lint CHART...
      The text check alone, on chart files (a file may also be a markdown
      document; its ```mermaid blocks are checked).

The text check covers what mermaid's own gantt check lets through (see
MERMAID.md): every task line must read `name :[tags,] id, START, END` with
START and END in the declared `dateFormat YYYY-MM-DD HH:mm:ss` (real calendar
dates), START <= END, and no ':' '#' ';' (or '%%') in task names; section names
must not hold '#' ':' ';' either, task ids must be unique.
"""
import argparse
import datetime
import html
import json
import os
import re
import sys

DATE_FORMAT = "YYYY-MM-DD HH:mm:ss"
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ID_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
TAGS = {"crit", "active", "done", "milestone"}
# Gantt statements that are not tasks (mermaid 11 gantt grammar).
KEYWORDS = ("title", "dateFormat", "axisFormat", "tickInterval", "includes", "excludes",
            "todayMarker", "weekday", "weekend", "displayMode", "inclusiveEndDates",
            "topAxis", "accTitle", "accDescr", "click", "section")


# --------------------------------------------------------------------------- extraction

def extract_blocks(text):
    """Returns ([(first_line_number, chart_text)], [problems])."""
    blocks, problems = [], []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if re.match(r"^\s{0,3}```\s*mermaid\s*$", lines[i]):
            start = i + 1
            j = start
            while j < len(lines) and not re.match(r"^\s{0,3}```\s*$", lines[j]):
                j += 1
            if j == len(lines):
                problems.append(f"line {i + 1}: ```mermaid block is never closed")
            blocks.append((start + 1, "\n".join(lines[start:j]) + "\n"))
            i = j + 1
        else:
            i += 1
    return blocks, problems


# --------------------------------------------------------------------------- text check

def parse_date(s):
    if not DATE_RE.match(s):
        return None
    try:
        return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None


def parse_task_data(data):
    """`[tags,] [id,] START, END` -> (id, start, end, None) or (.., error)."""
    items = [x.strip() for x in data.split(",")]
    k = 0
    while k < len(items) and items[k] in TAGS:
        k += 1
    rest = items[k:]
    task_id = None
    if len(rest) == 3:
        task_id = rest[0]
        if not ID_RE.match(task_id):
            return None, None, None, f"task id {task_id!r} is not a plain identifier"
        rest = rest[1:]
    if len(rest) != 2:
        return None, None, None, (f"task data {data.strip()!r} is not '[tags,] [id,] start, end' "
                                  "with an explicit start and end")
    start_s, end_s = rest
    start, end = parse_date(start_s), parse_date(end_s)
    bad = [f"{what} {s!r}" for what, s, d in (("start", start_s, start), ("end", end_s, end)) if d is None]
    if bad:
        return task_id, None, None, " and ".join(bad) + f" not a valid date in dateFormat {DATE_FORMAT}"
    if start > end:
        return task_id, start, end, f"start {start_s} is after end {end_s}"
    return task_id, start, end, None


def lint_chart(text):
    """Returns (is_gantt, [problems], [task ids in order])."""
    problems, ids = [], []
    lines = text.split("\n")
    body = [(n + 1, l) for n, l in enumerate(lines) if l.strip() and not l.strip().startswith("%%")]
    if not body or body[0][1].strip() != "gantt":
        return False, problems, ids
    date_formats = []
    for n, raw in body[1:]:
        line = raw.strip()
        word = line.split(None, 1)[0] if line else ""
        word = word.split(":", 1)[0] if word.startswith(("accTitle", "accDescr")) else word
        if word in KEYWORDS:
            arg = line[len(word):].strip()
            if word == "dateFormat":
                date_formats.append(arg)
                if arg != DATE_FORMAT:
                    problems.append(f"line {n}: dateFormat is {arg!r}, expected {DATE_FORMAT!r}")
                if ids:
                    problems.append(f"line {n}: dateFormat comes after tasks")
            elif word == "section":
                for ch in "#:;":
                    if ch in arg:
                        problems.append(f"line {n}: section name {arg!r} contains {ch!r}")
            elif word == "title":
                for ch in "#;":
                    if ch in arg:
                        problems.append(f"line {n}: title contains {ch!r}")
            continue
        # A task line. Mermaid's lexer: name = up to the first ':', data = the rest up to '#' or ';'.
        if ":" not in line:
            problems.append(f"line {n}: task line without ':' and data: {line!r}")
            continue
        for ch, why in (("#", "mermaid ends the task data / reads an entity there"),
                        (";", "mermaid ends the statement there"),
                        ("%%", "mermaid reads a comment there")):
            if ch in line:
                problems.append(f"line {n}: task line contains {ch!r} ({why}): {line!r}")
        name, data = line.split(":", 1)
        name = name.strip()
        task_id, start, end, err = parse_task_data(data)
        if err:
            # Would a later ':' have been the real separator? Then the name holds a ':'.
            pos = [m.start() for m in re.finditer(":", line)][1:]
            for p in pos:
                alt = parse_task_data(line[p + 1:])
                if alt[3] is None:
                    problems.append(f"line {n}: task name {line[:p].strip()!r} contains ':' "
                                    f"(mermaid cuts the name at the first ':'): {line!r}")
                    break
            else:
                problems.append(f"line {n}: {err}: {line!r}")
            continue
        if not name:
            problems.append(f"line {n}: task has an empty name: {line!r}")
        if task_id is not None:
            if task_id in ids:
                problems.append(f"line {n}: task id {task_id!r} used twice")
            ids.append(task_id)
        else:
            ids.append(None)
    if not date_formats:
        problems.append(f"no dateFormat line (expected 'dateFormat {DATE_FORMAT}')")
    elif len(date_formats) > 1:
        problems.append("more than one dateFormat line")
    return True, problems, ids


# --------------------------------------------------------------------------- page

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>tlrecon mermaid check</title></head>
<body>
<pre id="results">PENDING</pre>
{charts}
<script src="{mermaid_url}"></script>
<script src="check.js"></script>
</body></html>
"""

# Each chart is a JSON string inside a non-executed <script> data block (as MERMAID.md's
# text/plain blocks, but exact for any text: '<' is written as \\u003c, so a chart can never
# close the block early, and JSON.parse gives back the bytes the report wrote).
SCRIPT = r"""(async () => {
  const out = document.getElementById('results');
  const lines = [];
  try {
    if (typeof mermaid === 'undefined') throw new Error('mermaid.min.js did not load');
    mermaid.initialize({startOnLoad: false, securityLevel: 'strict'});
    for (const el of document.querySelectorAll('script.diagram')) {
      const id = el.dataset.id;
      const oneLine = s => String(s).replace(/\s+/g, ' ').trim();
      try {
        const text = JSON.parse(el.textContent);
        await mermaid.parse(text);
        const renderId = 'm-' + id;
        const {svg} = await mermaid.render(renderId, text);
        const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
        if (!doc.querySelector('svg')) throw new Error('render() returned no <svg>');
        const tasks = [...doc.querySelectorAll('rect.task')].map(r => {
          const rid = r.getAttribute('id') || '';
          return rid.startsWith(renderId + '-') ? rid.slice(renderId.length + 1) : rid;
        });
        lines.push('RESULT ' + id + ' OK ' + JSON.stringify(tasks));
      } catch (e) {
        lines.push('RESULT ' + id + ' ERROR ' + oneLine((e && e.message) || e));
      }
    }
    lines.push('DONE');
  } catch (e) {
    lines.push('FATAL ' + String((e && e.message) || e).replace(/\s+/g, ' '));
  }
  out.textContent = lines.join('\n');
})();
"""


def cmd_prepare(a):
    os.makedirs(a.dir, exist_ok=True)
    charts = []  # {id, name, expect, text, first_line, problems}

    def add(name, text, expect, first_line=1, problems=()):
        charts.append({"id": f"c{len(charts) + 1}", "name": name, "expect": expect, "text": text,
                       "first_line": first_line, "problems": list(problems)})

    for spec in a.report:
        label, path = spec.split("=", 1)
        with open(path, encoding="utf-8", errors="replace") as f:
            blocks, problems = extract_blocks(f.read())
        if not blocks:
            add(f"{label}", "", "missing", problems=problems or ["no ```mermaid block in the report"])
        for k, (first_line, text) in enumerate(blocks, 1):
            add(f"{label}#{k}", text, "ok", first_line, problems if k == len(blocks) else ())
    for expect, specs in (("render-error", a.expect_render_error), ("lint-error", a.expect_lint_error)):
        for spec in specs:
            label, path = spec.split("=", 1)
            with open(path, encoding="utf-8") as f:
                add(label, f.read(), expect)
    blocks_html = []
    for c in charts:
        if c["expect"] == "missing":
            continue
        data = json.dumps(c["text"]).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        blocks_html.append(f'<script type="application/json" class="diagram" data-id="{c["id"]}">{data}</script>')
        with open(os.path.join(a.dir, c["id"] + ".mmd"), "w", encoding="utf-8") as f:
            f.write(c["text"])
    mermaid_url = "file://" + os.path.abspath(a.mermaid_js)
    with open(os.path.join(a.dir, "check.html"), "w", encoding="utf-8") as f:
        f.write(PAGE.format(charts="\n".join(blocks_html), mermaid_url=html.escape(mermaid_url)))
    with open(os.path.join(a.dir, "check.js"), "w", encoding="utf-8") as f:
        f.write(SCRIPT)
    with open(os.path.join(a.dir, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(charts, f, indent=1)
    return 0


def read_results(dom):
    m = re.search(r'<pre id="results">(.*?)</pre>', dom, re.S)
    if not m:
        return None, {}
    body = html.unescape(m.group(1))
    results = {}
    for line in body.split("\n"):
        parts = line.split(" ", 3)
        if len(parts) >= 3 and parts[0] == "RESULT":
            results[parts[1]] = (parts[2], parts[3] if len(parts) > 3 else "")
    state = body.strip().split("\n")[-1] if body.strip() else "EMPTY"
    if state.startswith("RESULT"):
        state = "UNFINISHED"
    return state, results


def cmd_verdict(a):
    with open(os.path.join(a.dir, "manifest.json"), encoding="utf-8") as f:
        charts = json.load(f)
    try:
        with open(a.dom, encoding="utf-8", errors="replace") as f:
            dom = f.read()
    except OSError:
        dom = ""
    state, results = read_results(dom)
    page_note = None
    if state is None:
        page_note = "no results in the dumped DOM (Chromium failed or the page did not load)"
    elif state != "DONE":
        page_note = f"page never finished ({state})"
    passed = failed = 0
    for c in charts:
        name, expect = c["name"], c["expect"]
        msgs, ok = [], True
        if expect == "missing":
            ok = False
            msgs = c["problems"]
        else:
            status, detail = results.get(c["id"], ("PENDING", page_note or "no RESULT line"))
            is_gantt, lint, ids = lint_chart(c["text"])
            if expect == "ok":
                off = c["first_line"] - 1  # chart line -> line of the markdown report
                lint = [re.sub(r"^line (\d+)", lambda m: f"report line {int(m.group(1)) + off}", p) for p in lint]
                if status == "OK":
                    try:
                        rendered = json.loads(detail) if detail else []
                    except ValueError:
                        rendered = None
                    if is_gantt and rendered is None:
                        ok = False
                        msgs.append(f"unreadable task list from the page: {detail[:100]}")
                    elif is_gantt and not lint and (len(rendered) != len(ids) or
                                                    (None not in ids and sorted(rendered) != sorted(ids))):
                        # mermaid drops or renames tasks it misreads (a ':' in a name makes the
                        # rest of the name the id) without an error.
                        ok = False
                        missing = sorted(set(i for i in ids if i) - set(rendered))
                        extra = sorted(set(rendered) - set(i for i in ids if i))
                        msgs.append(f"mermaid drew {len(rendered)} of {len(ids)} task lines; "
                                    f"not drawn: {missing}, unexpected: {extra}")
                    msgs.insert(0, f"render OK ({len(rendered or [])} tasks)" if is_gantt else "render OK")
                else:
                    ok = False
                    msgs.insert(0, f"render {status}: {detail}")
                if lint:
                    ok = False
                    msgs.extend(f"text: {p}" for p in lint)
                elif is_gantt:
                    msgs[0] += ", text OK"
                msgs.extend(c["problems"])
                ok = ok and not c["problems"]
            elif expect == "render-error":
                if status == "ERROR":
                    msgs.append(f"negative control: render ERROR as expected ({detail[:100]})")
                else:
                    ok = False
                    msgs.append(f"negative control: expected render ERROR, got {status} {detail[:100]}".rstrip())
            elif expect == "lint-error":
                task_lines = {n for n, l in enumerate(c["text"].split("\n")[1:], 2) if l.strip() and ":" in l
                              and l.strip().split(None, 1)[0] not in KEYWORDS}
                flagged = {int(m.group(1)) for m in (re.match(r"line (\d+)", p) for p in lint) if m}
                if is_gantt and task_lines and flagged == task_lines:
                    msgs.append(f"negative control: text check flagged {len(flagged)}/{len(task_lines)} bad task lines "
                                f"as expected (mermaid render: {status})")
                else:
                    ok = False
                    msgs.append(f"negative control: text check flagged {len(flagged)}/{len(task_lines)} bad task lines, "
                                "expected all")
                msgs.extend(f"  {p}" for p in lint)
        passed += ok
        failed += not ok
        head, *tail = msgs or [""]
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {head}")
        for m in tail:
            print(f"        {m}")
    if page_note:
        print(f"note: {page_note}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


def cmd_lint(a):
    bad = 0
    for path in a.files:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        blocks = extract_blocks(text)[0] if "```" in text else [(1, text)]
        for first, chart in blocks:
            is_gantt, problems, _ = lint_chart(chart)
            for p in problems:
                p = re.sub(r"^line (\d+)", lambda m: f"line {int(m.group(1)) + first - 1}", p)
                print(f"{path}: {p}")
            bad += bool(problems)
    return 1 if bad else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("prepare")
    pp.add_argument("--dir", required=True)
    pp.add_argument("--mermaid-js", required=True)
    pp.add_argument("--report", action="append", default=[])
    pp.add_argument("--expect-render-error", action="append", default=[])
    pp.add_argument("--expect-lint-error", action="append", default=[])
    pv = sub.add_parser("verdict")
    pv.add_argument("--dir", required=True)
    pv.add_argument("--dom", required=True)
    pl = sub.add_parser("lint")
    pl.add_argument("files", nargs="+")
    a = p.parse_args()
    return {"prepare": cmd_prepare, "verdict": cmd_verdict, "lint": cmd_lint}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
